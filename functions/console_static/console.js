// The synchronization console: reads the app's own JSON routes with the Entra ID token or admin key the operator
// typed, kept in this tab's session storage only. Every value goes into the page as text, never as
// markup, so nothing a client stored can run here.
"use strict";

const KEY_SLOT = "commerce-admin-key";
const REFRESH_MS = 10000;
const HISTORY_HOURS = 6;
const api = (path) => new URL(path, document.baseURI).toString();

const $ = (id) => document.getElementById(id);
let timer = null;

function adminKey() {
  return sessionStorage.getItem(KEY_SLOT);
}

function say(text, isError = false) {
  const message = $("message");
  message.textContent = text;
  message.classList.toggle("error", isError);
}

async function call(path, options = {}) {
  const key = adminKey();
  const headers = { Accept: "application/json", ...(options.headers || {}) };
  if (key) headers.Authorization = `Bearer ${key}`;
  const response = await fetch(api(path), { ...options, headers, cache: "no-store", credentials: "omit" });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = body && (body.detail || body.title);
    const error = new Error(detail || `HTTP ${response.status}`);
    error.status = response.status;
    error.problem = body && typeof body.type === "string" ? body.type.split("/").pop() : null;
    throw error;
  }
  return body;
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "" : String(text);
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function emptyRow(tbody, columns, text) {
  const row = document.createElement("tr");
  const td = cell(row, text, "empty");
  td.colSpan = columns;
  tbody.appendChild(row);
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "";
}

function age(seconds) {
  if (seconds === null || seconds === undefined) return "none";
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function showStatus(status) {
  for (const name of ["pendingCustomers", "pendingAddresses", "pendingEdits", "failedOperations", "poisonMessages", "openDuplicates"]) {
    const value = status[name];
    $(name).textContent = value === undefined || value === null ? "–" : String(value);
    $(name).classList.toggle("alert", ["failedOperations", "poisonMessages"].includes(name) && value > 0);
  }
  $("oldestPending").textContent = age(status.oldestPendingSeconds);
}

function showRuns(runs) {
  const tbody = $("runs");
  tbody.replaceChildren();
  if (!runs.length) return emptyRow(tbody, 7, "No batch run yet.");
  for (const run of runs) {
    const row = document.createElement("tr");
    cell(row, when(run.startedAt));
    cell(row, run.trigger);
    for (const name of ["examined", "converted", "alreadySynced", "failed"]) cell(row, run[name], "number");
    cell(row, `${(run.durationMs / 1000).toFixed(1)} s`, "number");
    tbody.appendChild(row);
  }
}

const SVG = "http://www.w3.org/2000/svg";

function shape(name, attributes) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

function showHistory(history) {
  const svg = $("chart");
  svg.replaceChildren();
  const buckets = history.buckets;
  const width = 720, height = 200, top = 14, bottom = 22, left = 34;
  const plot = height - top - bottom;
  const step = (width - left) / buckets.length;
  const peak = Math.max(1, ...buckets.map((b) => b.conversions), ...buckets.map((b) => b.backlog || 0));
  const y = (value) => top + plot - (value / peak) * plot;
  svg.appendChild(shape("text", { x: 4, y: top + 4, class: "axis" })).textContent = String(peak);
  svg.appendChild(shape("text", { x: 4, y: top + plot, class: "axis" })).textContent = "0";
  buckets.forEach((bucket, index) => {
    const x = left + index * step;
    if (bucket.conversions > 0) {
      svg.appendChild(shape("rect", { class: "bar", x: x + 2, width: step - 4, y: y(bucket.conversions), height: top + plot - y(bucket.conversions) }));
    }
    if (index % 4 === 0) {
      const label = new Date(bucket.start).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      svg.appendChild(shape("text", { x, y: height - 6, class: "axis" })).textContent = label;
    }
  });
  const points = buckets
    .map((bucket, index) => (bucket.backlog === null ? null : [left + index * step + step / 2, y(bucket.backlog)]))
    .filter(Boolean);
  if (points.length) {
    svg.appendChild(shape("polyline", { class: "line", points: points.map((p) => p.join(",")).join(" ") }));
    for (const [cx, cy] of points) svg.appendChild(shape("circle", { class: "dot", cx, cy, r: 3 }));
  }
  const conversions = buckets.reduce((sum, b) => sum + b.conversions, 0);
  const lastBacklog = [...buckets].reverse().find((b) => b.backlog !== null);
  $("chart-summary").textContent =
    `${conversions} conversion${conversions === 1 ? "" : "s"} in the last ${history.hours} hours; ` +
    (lastBacklog ? `the last batch run found ${lastBacklog.backlog} pending.` : "no batch run in that time.");
}

function showOperations(operations) {
  const tbody = $("operations");
  tbody.replaceChildren();
  if (!operations.length) return emptyRow(tbody, 8, "No operation matches.");
  for (const operation of operations) {
    const row = document.createElement("tr");
    row.dataset.operationId = operation.operationId;
    cell(row, when(operation.createdAt));
    cell(row, operation.kind);
    cell(row, operation.channelId);
    cell(row, operation.customerId).classList.add("id");
    cell(row, operation.state, `state-${operation.state}`);
    cell(row, operation.attempts, "number");
    const error = cell(row, operation.errorCode || "");
    if (operation.lastError) error.title = operation.lastError;
    const action = document.createElement("td");
    if (operation.state !== "Synced") {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "Retry";
      button.setAttribute("aria-label", `Retry operation ${operation.operationId}`);
      button.addEventListener("click", () => retry(operation.operationId, button));
      action.appendChild(button);
    }
    row.appendChild(action);
    tbody.appendChild(row);
  }
}

async function retry(operationId, button) {
  button.disabled = true;
  try {
    await call(`sync/operations/${encodeURIComponent(operationId)}/retry`, { method: "POST" });
    say(`Operation ${operationId} is queued again.`);
    setTimeout(refresh, 1500);
  } catch (error) {
    say(`Retry failed: ${error.message}`, true);
    button.disabled = false;
  }
}

// -- suspended keys ---------------------------------------------------------------------------

function showSuspended(page) {
  const tbody = $("suspended");
  tbody.replaceChildren();
  if (!page.items.length) return emptyRow(tbody, 4, "No key is suspended.");
  for (const key of page.items) {
    const row = document.createElement("tr");
    cell(row, when(key.suspendedAt));
    cell(row, key.channelId);
    cell(row, key.keyId);
    const action = document.createElement("td");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Reinstate";
    button.setAttribute("aria-label", `Reinstate key ${key.keyId} of channel ${key.channelId}`);
    button.addEventListener("click", () => reinstate(key, button));
    action.appendChild(button);
    row.appendChild(action);
    tbody.appendChild(row);
  }
}

async function reinstate(key, button) {
  button.disabled = true;
  try {
    const path = `channels/${encodeURIComponent(key.channelId)}/keys/${encodeURIComponent(key.keyId)}/reinstate`;
    await call(path, { method: "POST" });
    say(`Key ${key.keyId} of ${key.channelId} works again.`);
    refresh();
  } catch (error) {
    say(`Reinstating failed: ${error.message}`, true);
    button.disabled = false;
  }
}

// -- webhooks ---------------------------------------------------------------------------------

const REPLAY_HOURS = 24;

function showWebhooks(list) {
  const tbody = $("webhooks");
  tbody.replaceChildren();
  if (!list.items.length) return emptyRow(tbody, 6, "No webhook is registered.");
  for (const hook of list.items) {
    const row = document.createElement("tr");
    const health = hook.health || {};
    cell(row, hook.url);
    cell(row, String(health.delivered ?? "–"));
    cell(row, String(health.pending ?? "–"));
    const failed = cell(row, String(health.failed ?? "–"));
    if (health.failed) failed.classList.add("error");
    cell(row, health.oldestUndeliveredAt ? when(health.oldestUndeliveredAt) : "–");
    const action = document.createElement("td");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = `Replay last ${REPLAY_HOURS} h`;
    button.setAttribute("aria-label", `Deliver again the events of the last ${REPLAY_HOURS} hours to ${hook.url}`);
    button.addEventListener("click", () => replayWebhook(hook, button));
    action.appendChild(button);
    row.appendChild(action);
    tbody.appendChild(row);
  }
}

async function replayWebhook(hook, button) {
  button.disabled = true;
  try {
    const since = new Date(Date.now() - REPLAY_HOURS * 3600 * 1000).toISOString();
    const started = await call(`webhooks/${encodeURIComponent(hook.webhookId)}/replay`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ since }),
    });
    say(`${started.deliveries} events queued again for ${hook.url}.`);
    setTimeout(refresh, 1500);
  } catch (error) {
    say(`Replay failed: ${error.message}`, true);
  } finally {
    button.disabled = false;
  }
}

// -- privacy requests ---------------------------------------------------------------------------

function showPrivacy(pages) {
  const open = pages.flatMap((page) => page.items).sort((a, b) => a.requestId.localeCompare(b.requestId));
  const tbody = $("privacy");
  tbody.replaceChildren();
  const now = Date.now();
  const late = open.filter((request) => Date.parse(request.dueBy) < now);
  $("privacy-past-due").hidden = !late.length;
  $("privacy-past-due").textContent = late.length ? `${late.length} past due: the answer is owed now.` : "";
  $("privacy-past-due").classList.toggle("error", late.length > 0);
  if (!open.length) return emptyRow(tbody, 5, "No request is waiting.");
  for (const request of open) {
    const row = document.createElement("tr");
    cell(row, when(request.receivedAt));
    cell(row, request.kind);
    cell(row, request.lastError ? `${request.status} (${request.lastError})` : request.status);
    const due = cell(row, Date.parse(request.dueBy) < now ? `${when(request.dueBy)} (past due)` : when(request.dueBy));
    if (Date.parse(request.dueBy) < now) due.classList.add("error");
    cell(row, request.requestId);
    tbody.appendChild(row);
  }
}

// -- duplicates -------------------------------------------------------------------------------

let duplicatesCursor = null;
let reviewed = null;

function duplicatesQuery(cursor) {
  const params = new URLSearchParams({ limit: "25" });
  const status = $("filter-duplicates").value;
  if (status) params.set("status", status);
  if (cursor) params.set("cursor", cursor);
  return `duplicates?${params}`;
}

function showDuplicates(page, append = false) {
  const tbody = $("duplicates");
  if (!append) tbody.replaceChildren();
  if (!append && !page.items.length) emptyRow(tbody, 7, "No duplicate candidate matches.");
  for (const candidate of page.items) {
    const row = document.createElement("tr");
    row.dataset.duplicateId = candidate.duplicateId;
    cell(row, when(candidate.detectedAt));
    cell(row, candidate.matchedOn.join(", "));
    cell(row, candidate.channelId);
    cell(row, candidate.accountNumber);
    cell(row, candidate.candidateAccountNumber);
    cell(row, candidate.status, `state-${candidate.status}`);
    const action = document.createElement("td");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Review";
    button.setAttribute("aria-label", `Review duplicate ${candidate.accountNumber} of ${candidate.candidateAccountNumber}`);
    button.addEventListener("click", () => review(candidate.duplicateId));
    action.appendChild(button);
    row.appendChild(action);
    tbody.appendChild(row);
  }
  duplicatesCursor = page.nextCursor;
  $("more-duplicates").hidden = !duplicatesCursor;
}

async function moreDuplicates() {
  try {
    showDuplicates(await call(duplicatesQuery(duplicatesCursor)), true);
  } catch (error) {
    say(`Could not read more duplicates: ${error.message}`, true);
  }
}

function shown(value) {
  if (value === null || value === undefined || value === "") return "";
  if (Array.isArray(value)) {
    return value.map((item) => (typeof item === "object" ? `${item.value}${item.marketingConsent ? " (consent)" : ""}` : item)).join(", ");
  }
  if (typeof value === "object") return Object.entries(value).map(([key, item]) => `${key}: ${item}`).join(", ");
  return String(value);
}

const REVIEW_FIELDS = [
  ["accountNumber", "Account"], ["firstName", "First name"], ["middleName", "Middle name"],
  ["lastName", "Last name"], ["organizationName", "Organization"], ["title", "Title"],
  ["email", "E-mail"], ["emailVerified", "E-mail verified"], ["emailMarketingConsent", "E-mail consent"],
  ["phone", "Phone"], ["phoneMarketingConsent", "Phone consent"], ["additionalEmails", "Additional e-mails"],
  ["additionalPhones", "Additional phones"], ["affiliations", "Affiliations"], ["attributes", "Attributes"],
  ["customerGroup", "Customer group"], ["currency", "Currency"], ["language", "Language"],
  ["receiptPreference", "Receipt"], ["addressCount", "Addresses"], ["mergedAccountNumbers", "Merged accounts"],
];

function showReview(body) {
  reviewed = body;
  $("review-title").textContent = `Review: ${body.merged.accountNumber} into ${body.survivor.accountNumber} (${body.duplicate.status})`;
  const conflicted = new Set(body.conflicts.map((conflict) => conflict.field.split(".")[0]));
  const tbody = $("review-rows");
  tbody.replaceChildren();
  for (const [name, label] of REVIEW_FIELDS) {
    const row = document.createElement("tr");
    if (conflicted.has(name)) row.className = "conflict";
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = label;
    row.appendChild(th);
    cell(row, shown(body.survivor[name]));
    cell(row, shown(body.merged[name]));
    cell(row, body.result ? shown(body.result[name]) : "");
    tbody.appendChild(row);
  }
  const refusal = $("review-refusal");
  refusal.hidden = !body.refusedBecause;
  refusal.textContent = body.refusedBecause ? `A merge is refused: ${body.refusedBecause}.` : "";
  const status = body.duplicate.status;
  $("merge-button").disabled = Boolean(body.refusedBecause) || !["Open", "Merging"].includes(status);
  $("merge-button").textContent = status === "Merging" ? "Finish the merge" : "Merge";
  $("dismiss-button").disabled = status !== "Open";
  $("review").hidden = false;
  $("review").focus();
}

async function review(duplicateId) {
  try {
    showReview(await call(`duplicates/${encodeURIComponent(duplicateId)}`));
  } catch (error) {
    say(`Could not read the review: ${error.message}`, true);
  }
}

async function decide(action) {
  if (!reviewed) return;
  const id = reviewed.duplicate.duplicateId;
  for (const name of ["merge-button", "dismiss-button"]) $(name).disabled = true;
  try {
    await call(`duplicates/${encodeURIComponent(id)}/${action}`, { method: "POST" });
    say(action === "merge" ? `Merged ${reviewed.merged.accountNumber} into ${reviewed.survivor.accountNumber}.` : "Dismissed: never flagged again for this pair.");
    await review(id);
    await refresh();
  } catch (error) {
    say(`${action === "merge" ? "Merge" : "Dismiss"} failed: ${error.message}`, true);
    await review(id);
  }
}

function operationsQuery() {
  const params = new URLSearchParams({ limit: "50" });
  const channel = $("filter-channel").value.trim();
  const state = $("filter-state").value;
  if (channel) params.set("channelId", channel);
  if (state) params.set("status", state);
  return `sync/operations?${params}`;
}

// A panel shows what it could read; one whose source failed says so in its own place, and the
// others are still shown: with HQ storage down, everything the channel storage holds stays current.
function showProblem(panel, error) {
  const line = $(`${panel}-problem`);
  line.hidden = !error;
  if (!error) return;
  line.textContent =
    error.problem === "headquarters-unavailable"
      ? "HQ unavailable: shown again as soon as HQ answers."
      : error.problem === "role-required"
        ? `Not shown: ${error.message}.`
        : `Could not load: ${error.message}`;
}

async function load(panels) {
  const results = await Promise.allSettled(panels.map(([, read]) => read()));
  return results.map((result, index) => {
    const error = result.status === "rejected" ? result.reason : null;
    showProblem(panels[index][0], error);
    return error;
  });
}

async function refresh() {
  let hqDown = false;
  const [statusError] = await load([
    ["counters", async () => {
      const status = await call("sync/status");
      showStatus(status);
      hqDown = (status.unavailable || []).includes("headquarters");
    }],
  ]);
  if (!adminKey()) {
    $("hq-unavailable").hidden = !hqDown;
    say("Paste your Entra ID token or the admin key to see runs and operations.");
    return;
  }
  const errors = [statusError, ...(await load([
    ["runs", async () => showRuns((await call("sync/runs?limit=10")).items)],
    ["chart", async () => showHistory(await call(`sync/history?hours=${HISTORY_HOURS}`))],
    ["operations", async () => showOperations((await call(operationsQuery())).items)],
    ["suspended", async () => showSuspended(await call("suspended-keys"))],
    ["webhooks", async () => showWebhooks(await call("webhooks"))],
    ["privacy", async () => showPrivacy(await Promise.all(
      ["Received", "Running"].map((status) => call(`privacy/requests?status=${status}&limit=200`)),
    ))],
    ["duplicates", async () => showDuplicates(await call(duplicatesQuery(null)))],
  ]))].filter(Boolean);
  hqDown = hqDown || errors.some((error) => error.problem === "headquarters-unavailable");
  $("hq-unavailable").hidden = !hqDown;
  $("updated-at").textContent = `Updated ${new Date().toLocaleTimeString()}`;
  if (errors.some((error) => error.status === 401 || (error.status === 403 && error.problem !== "role-required"))) {
    sessionStorage.removeItem(KEY_SLOT);
    say("That key or token was refused (or has expired): paste it again.", true);
  } else if ($("message").classList.contains("error") || !$("message").textContent) {
    say("");
  }
}

function schedule() {
  clearInterval(timer);
  timer = $("auto-refresh").checked ? setInterval(refresh, REFRESH_MS) : null;
}

document.addEventListener("DOMContentLoaded", () => {
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY_SLOT, $("admin-key").value);
    $("admin-key").value = "";
    say("Key set for this tab.");
    refresh();
  });
  $("forget-key").addEventListener("click", () => {
    sessionStorage.removeItem(KEY_SLOT);
    say("Key forgotten.");
  });
  $("operations-form").addEventListener("submit", (event) => {
    event.preventDefault();
    refresh();
  });
  $("duplicates-form").addEventListener("submit", (event) => {
    event.preventDefault();
    refresh();
  });
  $("more-duplicates").addEventListener("click", moreDuplicates);
  $("merge-button").addEventListener("click", () => decide("merge"));
  $("dismiss-button").addEventListener("click", () => decide("dismiss"));
  $("close-review").addEventListener("click", () => {
    $("review").hidden = true;
    reviewed = null;
  });
  $("refresh-now").addEventListener("click", refresh);
  $("auto-refresh").addEventListener("change", schedule);
  schedule();
  refresh();
});
