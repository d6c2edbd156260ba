// Shared by every page: calling the API (with the API key, when one is set for this tab) and
// building elements from text, never from HTML, so that a reply with <script> stays text.
"use strict";

const KEY_STORE = "amends-api-key";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function fill(node, ...children) {
  node.replaceChildren();
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

class ApiError extends Error {
  constructor(message, status, code) { super(message); this.status = status; this.code = code; }
}

// what to do about a refused key, said on the page where the chart or table would be
const KEY_HELP = {
  missing_key: "This server needs an API key. Open “API key” at the top of the page, paste your key and choose “Use key”.",
  invalid_key: "The API key you entered is not valid. Check it under “API key” at the top of the page, or ask an admin for one.",
  key_revoked: "Your API key was revoked. Ask an admin for a new one and enter it under “API key” at the top of the page.",
  keys_required: "This server has no API keys and answers its own machine only.",
};

// fetch JSON from the API with the tab's key; a 4xx/5xx becomes an ApiError carrying the API's
// message (for a refused key, what to do about it)
async function api(path, body, { method, signal } = {}) {
  const headers = { Accept: "application/json" };
  const key = sessionStorage.getItem(KEY_STORE);
  if (key) headers.Authorization = `Bearer ${key}`;
  const init = { method: method || (body === undefined ? "GET" : "POST"), headers, signal };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  let data = null;
  try { data = await response.json(); } catch (_) { /* an empty or non-JSON body */ }
  if (!response.ok) {
    const error = data && data.error;
    const code = error ? error.code : null;
    if (response.status === 401 && KEY_HELP[code]) {
      throw new ApiError(`${KEY_HELP[code]} (The server said: ${error.message}.)`, 401, code);
    }
    if (response.status === 403) {
      throw new ApiError(`Your API key may not see this: ${error ? error.message : "forbidden"}.`, 403, code);
    }
    const where = error && error.where ? ` (${error.where})` : "";
    throw new ApiError(error ? `${error.message}${where}` : `${response.status} ${response.statusText}`, response.status, code);
  }
  return data;
}

function debounce(fn, ms) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

function announce(message) {
  const status = document.getElementById("status");
  if (status) status.textContent = message;
}

function labelText(label) { return String(label).replaceAll("_", " "); }

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("key-form");
  if (!form) return;
  const input = document.getElementById("api-key");
  const state = document.getElementById("key-state");
  const stored = sessionStorage.getItem(KEY_STORE) || "";
  input.value = stored;
  if (state) state.textContent = stored ? "(set)" : "(none)";
  if (stored) form.closest("details").open = false;  // opened for a server with keys: done
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (input.value.trim()) sessionStorage.setItem(KEY_STORE, input.value.trim());
    else sessionStorage.removeItem(KEY_STORE);
    // the page asks again with the new key: what it shows was fetched with the old one
    location.reload();
  });
});
