// The admin pages' API client: the bearer token lives in sessionStorage (gone with the tab).

import { ApiError, retryAfterMs } from "../shared/api-error.js";
import { waitText } from "../shared/format.js";

const TOKEN_KEY = "knacka.admin.token";
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

export const getToken = () => sessionStorage.getItem(TOKEN_KEY);
export const setToken = (token) => sessionStorage.setItem(TOKEN_KEY, token);
export const clearToken = () => sessionStorage.removeItem(TOKEN_KEY);

// Swedish words for the server's stable codes; the server's own text is the fallback.
const MESSAGES = {
  not_authenticated: "Logga in igen.",
  invalid_credentials: "E-post eller lösenord stämmer inte. Försök igen.",
  totp_required: "Skriv koden från din app.",
  totp_invalid: "Koden stämmer inte. Försök igen.",
  totp_enrolment_required: "Slå på tvåstegsverifiering innan du fortsätter.",
  totp_already_enabled: "Tvåstegsverifiering är redan på för ditt konto.",
  too_many_attempts: "För många försök. Vänta en stund och försök igen.",
  forbidden: "Du har inte behörighet till det här.",
  validation_error: "Kontrollera fälten och försök igen.",
  email_taken: "Det finns redan ett konto med den e-postadressen.",
  weak_password: "Välj ett lösenord med minst 10 tecken.",
  goals_not_found: "Det finns inga mål för året än.",
  workbook_refused: "Filen avvisades och inget ändrades. Rätta felen nedan och läs in filen igen.",
  plan_changed: "Planen har ändrats sedan förhandsvisningen. Läs in filen igen och granska ändringarna.",
  successor_invalid: "En ersättare måste vara ett aktivt valdistrikt i samma arbetarekommun.",
  successor_confirmed: "Ersättaren är redan bekräftad.",
  payload_too_large: "Filen är för stor (högst 1 MB).",
  network: "Ingen kontakt med servern. Försök igen om en stund.",
  invalid_period: "Kampanjen måste sluta samma dag som den börjar eller senare.",
  unknown_ak: "Välj bara arbetarekommuner som finns.",
  unknown_topic: "Välj bara ämnen som finns i listan.",
  duplicate_option: "Svarsalternativen måste vara olika.",
  question_in_use: "Svarsalternativen går inte att ändra när loggar redan har svar.",
  campaign_not_found: "Kampanjen finns inte.",
  district_not_found: "Valdistriktet finns inte i den arbetarekommunen.",
  topic_exists: "Det ämnet finns redan. Välj det i listan.",
  campaign_not_applicable: "Kampanjen gäller inte den arbetarekommunen eller det datumet.",
  invalid_tally: "Räkningen går inte ihop: nya medlemmar kan bara komma ur samtal.",
  empty_tally: "Skriv in minst ett samtal eller nej tack.",
  invalid_date: "Välj ett datum som har varit.",
};

// An error as the pages show it: the Swedish words for its code, else the server's text.
function apiError({ kind = "http", status, code, detail, retryAfter = null }) {
  let message = MESSAGES[code] || detail || "Något gick fel. Försök igen.";
  // A locked sign-in says how long to wait, from the server's Retry-After.
  if (code === "too_many_attempts" && retryAfter !== null) {
    message = `För många försök. Försök igen om ${waitText(retryAfter)}.`;
  }
  return new ApiError({ kind, status, code, detail, retryAfterMs: retryAfter, message });
}

// `file` (a File or Blob) is sent as the request body itself, with its own type.
export async function api(path, { method = "GET", body, raw = false, file } = {}) {
  const headers = {};
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (file !== undefined) headers["Content-Type"] = XLSX;
  let response;
  try {
    response = await fetch(`/api${path}`, {
      method, headers, body: file !== undefined ? file : body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw apiError({ kind: "network", status: 0, code: "network" });
  }
  if (!response.ok) {
    let payload = {};
    try { payload = await response.json(); } catch { /* not JSON */ }
    if (response.status === 401 && payload.code === "not_authenticated") {
      clearToken();
      window.dispatchEvent(new Event("knacka:signed-out"));
    }
    // The server lets a password-only session do nothing but enrol: the app shows enrolment.
    if (response.status === 403 && payload.code === "totp_enrolment_required") {
      window.dispatchEvent(new Event("knacka:totp-enrolment"));
    }
    throw apiError({
      status: response.status, code: payload.code || "error", detail: payload.detail,
      retryAfter: retryAfterMs(response),
    });
  }
  if (raw) return response;
  if (response.status === 204) return null;
  return response.json();
}

export async function download(path, filename) {
  const response = await api(path, { raw: true });
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
