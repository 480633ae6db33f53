// Join: the invite link asks only for a first name, then the volunteer is in.

import { ApiError } from "../shared/api-error.js";
import { h, replace } from "../shared/dom.js";
import { postJson, signedIn as hasSession } from "./api.js";
import { refresh, storeToken } from "./data.js";
import { kvDelete, kvGet } from "./db.js";
import { joinNotice } from "./join-notice.js";
import { outbox } from "./outbox.js";

const REFUSAL = {
  invite_expired: "Inbjudan har gått ut. Be din organisatör om en ny länk.",
  invite_used_up: "Inbjudan är redan använd. Be din organisatör om en ny länk.",
  invite_revoked: "Inbjudan har dragits tillbaka. Be din organisatör om en ny länk.",
  invite_invalid: "Länken fungerar inte. Kontrollera att du öppnat hela länken, eller be om en ny.",
};

export function renderJoin(app, code) {
  const error = h("p", { class: "field-error", id: "name-error", hidden: true });
  const input = h("input", {
    id: "name",
    name: "name",
    type: "text",
    autocomplete: "given-name",
    autocapitalize: "words",
    maxlength: "80",
    required: true,
    "aria-describedby": "name-hint",
  });
  const formError = h("div", { class: "banner banner-error", role: "alert", id: "join-error", hidden: true });
  const button = h("button", { type: "submit", class: "btn btn-primary btn-wide" }, "Börja knacka");

  function showFieldError(text) {
    error.textContent = text;
    error.hidden = false;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", "name-hint name-error");
    input.focus();
  }

  async function submit(event) {
    event.preventDefault();
    formError.hidden = true;
    error.hidden = true;
    input.removeAttribute("aria-invalid");
    const name = input.value.trim();
    if (!name) {
      showFieldError("Skriv ditt förnamn.");
      return;
    }
    button.textContent = "Loggar in …";
    try {
      const answer = await postJson("/api/auth/redeem", { code, name }, { token: null });
      await storeToken(answer.access_token);
      await kvDelete("logout_pending");
      await outbox.resume();
      await refresh();
      await app.reloadData();
      app.navigate("/", { replace: true });
    } catch (failure) {
      button.textContent = "Börja knacka";
      let text = "Något gick fel. Försök igen om en stund.";
      if (failure instanceof ApiError && failure.kind === "network") {
        text = navigator.onLine
          ? "Fick ingen kontakt med servern. Försök igen om en stund."
          : "Du är offline. Anslut till nätet och försök igen.";
      } else if (failure instanceof ApiError && REFUSAL[failure.code]) {
        text = REFUSAL[failure.code];
      } else if (failure instanceof ApiError && failure.status === 422) {
        showFieldError("Skriv ett kortare namn.");
        return;
      }
      replace(formError, text);
      formError.hidden = false;
      formError.focus?.();
    }
  }

  // Opening an old link again should not make a signed-in volunteer think they are locked out.
  const signedIn = h("div", { class: "banner banner-info", hidden: true });
  Promise.all([hasSession(), kvGet("auth_expired")]).then(([token, expired]) => {
    const name = app.data?.me?.name;
    if (!token || expired || !name) return;
    replace(
      signedIn,
      h("span", {}, `Du är redan inloggad som ${name}. `),
      h("a", { href: "/", "data-link": true, class: "back" }, "Till dina valdistrikt"),
    );
    signedIn.hidden = false;
  });

  const node = h(
    "section",
    { class: "screen" },
    h("h1", {}, "Välkommen till Knacka"),
    signedIn,
    h("p", {}, "Här loggar du dörrarna du knackar på. Det tar bara ett tryck per dörr."),
    joinNotice(),
    formError,
    h(
      "form",
      { on: { submit }, novalidate: true },
      h("label", { for: "name" }, "Ditt förnamn"),
      h("p", { class: "hint", id: "name-hint" }, "Det syns bara för din organisatör."),
      error,
      input,
      button,
    ),
  );
  return { node };
}
