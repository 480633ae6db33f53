"""The ASGI entry for uvicorn (`api.asgi:app`): the app built from the environment."""

from api.main import create_app

app = create_app()
