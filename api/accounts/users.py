from sqlmodel import Session, col, select

from api.accounts.passwords import check_new_password
from api.core.errors import Conflict, Invalid
from api.core.security import hash_password
from api.models.accounts import Role, User, UserAk
from api.models.plan import Ak

# --- Users -----------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(*, session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normalise_email(email))).first()


def user_ak_slugs(*, session: Session, user: User) -> list[str]:
    query = (
        select(Ak.slug)
        .join(UserAk, col(UserAk.ak_id) == col(Ak.id))
        .where(UserAk.user_id == user.id)
        .order_by(Ak.slug)
    )
    return list(session.exec(query).all())


def create_account(
    *,
    session: Session,
    email: str,
    password: str,
    role: Role,
    name: str,
    aks: list[Ak],
) -> User:
    """A staff member or organiser who signs in with e-mail and password."""
    if role not in (Role.staff, Role.organiser):
        raise Invalid("invalid_role", "Accounts with a password are staff or organisers")
    if role == Role.organiser and not aks:
        raise Invalid("ak_required", "An organiser needs at least one AK")
    check_new_password(password, email=email, name=name)
    if get_user_by_email(session=session, email=email) is not None:
        raise Conflict("email_taken", "A user with that e-mail exists")
    user = User(
        name=name, email=normalise_email(email), password_hash=hash_password(password), role=role
    )
    session.add(user)
    session.flush()
    assert user.id is not None
    for ak in aks:
        assert ak.id is not None
        session.add(UserAk(user_id=user.id, ak_id=ak.id))
    return user
