// Talks to /api with the session token, or (when the browser wiped the token) with the
// HttpOnly session cookie the server set at sign-in; X-Knacka marks every request as the
// app's own, which the server requires of cookie-carried writes (docs/SECURITY.md). Every answer is checked: a 200 that is not the
// JSON we expect (a captive portal's login page) counts as a failure, never as success.

import { ApiError, retryAfterMs } from "../shared/api-error.js";

export { retryAfterMs };
import { kvGet } from "./db.js";

const TIMEOUT_MS = 30000;

// The raw Response, or an ApiError of kind "network" when no answer came at all.
export async function send(method, path, body, { token, timeout = TIMEOUT_MS } = {}) {
  const bearer = token === undefined ? await kvGet("token") : token;
  const headers = { Accept: "application/json", "X-Knacka": "1" };
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout);
  try {
    return await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "same-origin",
      redirect: "follow",
      signal: controller.signal,
    });
  } catch {
    throw new ApiError({ kind: "network" });
  } finally {
    clearTimeout(timer);
  }
}

// Signed in on this phone: a stored token, or a session restored from the cookie.
export async function signedIn() {
  return Boolean((await kvGet("token")) || (await kvGet("cookie_session")));
}

// The parsed body when the answer really is JSON, otherwise null.
export async function jsonBody(response) {
  const type = response.headers.get("Content-Type") || "";
  if (!type.includes("application/json")) return null;
  try {
    return await response.json();
  } catch {
    return null;
  }
}

async function request(method, path, body, options) {
  const response = await send(method, path, body, options);
  const data = response.status === 204 ? {} : await jsonBody(response);
  if (!response.ok) {
    throw new ApiError({
      kind: "http",
      status: response.status,
      code: data?.code || "",
      retryAfterMs: retryAfterMs(response),
    });
  }
  if (data === null) throw new ApiError({ kind: "not_json", status: response.status });
  return data;
}

export const getJson = (path, options) => request("GET", path, undefined, options);
export const postJson = (path, body, options) => request("POST", path, body, options);
