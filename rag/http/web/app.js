"use strict";
// The page over the JSON API. Everything that comes from the server (transcript text, titles,
// names, error messages) enters the page as text nodes, never as markup: a transcript or a
// question holding "<script>" must show those characters, not run them.

const KEY_STORAGE = "rag.apiKey";
const CONTEXT_TURNS = 2; // turns shown before and after the cited one
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
  "September", "October", "November", "December"];
// Labels for turns without a named speaker, by kind.
const KIND_LABELS = {
  narration: "Narration", question: "Question", speech: "Unnamed speaker", header: "Header",
};

const $ = (id) => document.getElementById(id);
const documentCache = new Map(); // doc_id -> Promise of GET /documents/{doc_id}
const dateTexts = new Map(); // doc_id -> the date as written, for documents without a full date
let latestAsk = 0;

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

// Storage can be unavailable (privacy modes); the key then lives in the field for this visit.
function storedKey() {
  try { return localStorage.getItem(KEY_STORAGE) || ""; } catch { return ""; }
}

function storeKey(value) {
  try {
    if (value) localStorage.setItem(KEY_STORAGE, value); else localStorage.removeItem(KEY_STORAGE);
  } catch { /* the field still holds it */ }
}

function apiKey() {
  return $("api-key").value.trim();
}

async function api(path, options = {}) {
  const headers = new Headers(options.headers || {});
  const key = apiKey();
  if (key) headers.set("X-API-Key", key);
  let response;
  try {
    response = await fetch(path, { ...options, headers });
  } catch {
    throw new ApiError(0, "The service cannot be reached.");
  }
  if (response.status === 401) {
    throw new ApiError(401, key ? "This service needs an API key: the one given was not accepted."
      : "This service needs an API key.");
  }
  let body = null;
  try { body = await response.json(); } catch { /* an error page without JSON */ }
  if (!response.ok) {
    const detail = body && typeof body.detail === "string" ? body.detail : `status ${response.status}`;
    throw new ApiError(response.status, `The service refused: ${detail}`);
  }
  return body;
}

function documentPath(docId) {
  // Ids are paths relative to the corpus folder: keep their slashes, escape everything else.
  return "/documents/" + docId.split("/").map(encodeURIComponent).join("/");
}

function loadDocument(docId) {
  if (!documentCache.has(docId)) {
    const request = api(documentPath(docId));
    request.catch(() => documentCache.delete(docId)); // retry on the next click
    documentCache.set(docId, request);
  }
  return documentCache.get(docId);
}

function formatDate(iso, written) {
  if (!iso) return written || "undated";
  const [year, month, day] = iso.split("-").map(Number);
  return `${day} ${MONTHS[month - 1]} ${year}`;
}

// Seconds into a recording as a clock reading: 12:31, or 1:02:05 past the hour.
function formatClock(seconds) {
  const whole = Math.floor(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const secs = String(whole % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${secs}` : `${minutes}:${secs}`;
}

function setStatus(message, kind = "") {
  const status = $("status");
  status.textContent = message;
  status.className = kind;
  status.hidden = !message;
}

function showError(error) {
  setStatus(error.message, "error");
  if (error.status === 401) {
    $("api-key-box").open = true;
    $("api-key").focus();
  }
}

// --- asking -------------------------------------------------------------------------------

function checkedValues(containerId) {
  return [...$(containerId).querySelectorAll("input:checked")].map((box) => box.value);
}

function currentFilters() {
  const filters = {};
  const documents = checkedValues("document-options");
  const speakers = checkedValues("speaker-options");
  if (documents.length) filters.documents = documents;
  if (speakers.length) filters.speakers = speakers;
  if ($("date-from").value) filters.date_from = $("date-from").value;
  if ($("date-to").value) filters.date_to = $("date-to").value;
  return Object.keys(filters).length ? filters : null;
}

async function ask(event) {
  event.preventDefault();
  const question = $("question").value.trim();
  if (!question) {
    setStatus("Type a question first.", "error");
    return;
  }
  const body = { question };
  const filters = currentFilters();
  if (filters) body.filters = filters;
  // Only the latest question's answer is shown, however the replies are ordered.
  const ticket = ++latestAsk;
  setStatus("Searching the transcripts…", "busy");
  $("answer").hidden = true;
  try {
    const answer = await api("/ask", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (ticket === latestAsk) showAnswer(answer);
  } catch (error) {
    if (ticket === latestAsk) showError(error);
  }
}

function showAnswer(answer) {
  if (answer.abstained || answer.extracts.length === 0) {
    setStatus("No passage in the transcripts answers this.", "abstained");
    return;
  }
  setStatus("");
  const kinds = new Map(answer.passages.map((passage) => [passage.passage_id, passage.kind]));
  $("extracts").replaceChildren(...answer.extracts.map((extract, i) =>
    extractItem(extract, i + 1, kinds.get(extract.citation.passage_id))));
  $("answer").hidden = false;
}

function extractItem(extract, number, kind) {
  const citation = extract.citation;
  const item = el("li", "extract");
  item.append(el("blockquote", "extract-text", extract.text));

  const button = el("button", "cite");
  button.type = "button";
  button.setAttribute("aria-expanded", "false");
  button.title = "Show this extract in its transcript";
  const who = el("span", "speaker", citation.speaker || KIND_LABELS[kind] || KIND_LABELS.speech);
  button.append(el("span", "cite-number", `[${number}]`), " ", who);
  if (citation.role) button.append(el("span", "role", `, ${citation.role}`));
  button.append(
    el("span", "sep", " · "),
    el("cite", "title", citation.title || citation.doc_id),
    el("span", "sep", " · "),
    el("span", "date", formatDate(citation.date, dateTexts.get(citation.doc_id))),
  );
  if (citation.start_time !== null && citation.start_time !== undefined) {
    button.append(el("span", "sep", " · "), el("span", "time", `at ${formatClock(citation.start_time)}`));
  }
  item.append(button);
  if (citation.media_link && /^https?:\/\//i.test(citation.media_link)) {
    // Only web links: a link is followed by a click, so other schemes (javascript:) never get one.
    const link = el("a", "media-link", "Play from here");
    link.href = citation.media_link;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    item.append(link);
  }

  const context = el("div", "context");
  context.hidden = true;
  context.id = `context-${number}`;
  button.setAttribute("aria-controls", context.id);
  button.addEventListener("click", () => toggleContext(button, context, citation));
  item.append(context);
  return item;
}

// --- a citation in its transcript ---------------------------------------------------------

async function toggleContext(button, panel, citation) {
  if (button.getAttribute("aria-expanded") === "true") {
    button.setAttribute("aria-expanded", "false");
    panel.hidden = true;
    return;
  }
  button.setAttribute("aria-expanded", "true");
  panel.hidden = false;
  if (panel.dataset.shown) return;
  panel.replaceChildren(el("p", "note", "Loading the transcript…"));
  try {
    renderContext(panel, await loadDocument(citation.doc_id), citation, false);
    panel.dataset.shown = "yes";
  } catch (error) {
    panel.replaceChildren(el("p", "error", error.message));
    if (error.status === 401) showError(error);
  }
}

function renderContext(panel, doc, citation, whole) {
  const turns = doc.turns;
  const cited = [];
  turns.forEach((turn, i) => { if (turn.start < citation.end && citation.start < turn.end) cited.push(i); });
  if (cited.length === 0) {
    panel.replaceChildren(el("p", "error", "The cited span is not inside any turn of this transcript."));
    return;
  }
  const first = whole ? 0 : Math.max(0, cited[0] - CONTEXT_TURNS);
  const last = whole ? turns.length - 1 : Math.min(turns.length - 1, cited[cited.length - 1] + CONTEXT_TURNS);

  const head = el("p", "context-head", whole ? `The whole transcript, ${turns.length} turns`
    : `Turns ${first + 1}–${last + 1} of ${turns.length} in this transcript`);
  const list = el("div", "turns");
  for (let i = first; i <= last; i++) list.append(turnNode(turns[i], citation));
  panel.replaceChildren(head, list);

  const hidden = turns.length - (last - first + 1);
  if (hidden > 0) {
    const more = el("button", "quiet", `Show the whole transcript (${hidden} more turns)`);
    more.type = "button";
    more.addEventListener("click", () => renderContext(panel, doc, citation, true));
    panel.append(more);
  }
  // Scroll inside the panel only, so the page itself does not jump: to the cited turn's
  // speaker when the span is near its start, else to the span (the speaker label is sticky).
  const mark = list.querySelector("mark");
  const turn = mark.closest(".turn");
  const nearStart = mark.offsetTop - turn.offsetTop < list.clientHeight * 0.6;
  list.scrollTop = nearStart ? turn.offsetTop : mark.offsetTop - list.clientHeight / 3;
}

function turnNode(turn, citation) {
  const node = el("div", `turn turn-${turn.kind}`);
  const who = el("p", "who", turn.speaker || KIND_LABELS[turn.kind] || turn.kind);
  if (turn.speaker && turn.role) who.append(el("span", "role", `, ${turn.role}`));
  const said = el("p", "said");
  // Offsets are Python string indices (code points); JavaScript strings count UTF-16 units,
  // so the turn is cut as an array of code points or text after an emoji would shift.
  const chars = Array.from(turn.text);
  const from = Math.max(citation.start, turn.start) - turn.start;
  const to = Math.min(citation.end, turn.end) - turn.start;
  if (to > from) {
    node.classList.add("cited");
    said.append(chars.slice(0, from).join(""), el("mark", null, chars.slice(from, to).join("")),
      chars.slice(to).join(""));
  } else {
    said.textContent = turn.text;
  }
  node.append(who, said);
  return node;
}

// --- filters and the API key --------------------------------------------------------------

function choice(name, value, labelText, detail) {
  const label = el("label", "choice");
  const box = el("input");
  box.type = "checkbox";
  box.name = name;
  box.value = value;
  label.append(box, " ", el("span", null, labelText));
  if (detail) label.append(el("span", "detail", ` ${detail}`));
  return label;
}

async function loadFilters() {
  const note = $("filters-note");
  let docs;
  try {
    docs = await api("/documents");
  } catch (error) {
    note.textContent = error.status === 401 ? "The filters need an API key." : error.message;
    return;
  }
  note.textContent = "";
  dateTexts.clear();
  for (const doc of docs) if (doc.date_text) dateTexts.set(doc.doc_id, doc.date_text);
  $("document-options").replaceChildren(...docs.map((doc) =>
    choice("document", doc.doc_id, doc.title || doc.doc_id, `(${formatDate(doc.date, doc.date_text)})`)));
  // One box per person: the API matches speaker names without regard to case.
  const speakers = new Map();
  for (const doc of docs) {
    for (const speaker of doc.speakers) {
      const key = speaker.name.toLowerCase();
      if (!speakers.has(key)) speakers.set(key, speaker.name);
    }
  }
  const names = [...speakers.values()].sort((a, b) => a.localeCompare(b));
  $("speaker-options").replaceChildren(...names.map((name) => choice("speaker", name, name)));
  updateFilterCount();
}

function updateFilterCount() {
  const filters = currentFilters() || {};
  const count = (filters.documents || []).length + (filters.speakers || []).length
    + (filters.date_from ? 1 : 0) + (filters.date_to ? 1 : 0);
  $("filter-count").textContent = count ? `(${count})` : "";
}

function clearFilters() {
  for (const box of $("filters").querySelectorAll("input")) {
    if (box.type === "checkbox") box.checked = false; else box.value = "";
  }
  updateFilterCount();
}

// --- adding a transcript ------------------------------------------------------------------

async function upload(event) {
  event.preventDefault();
  const file = $("upload-file").files[0];
  const status = $("upload-status");
  if (!file) return;
  const form = new FormData();
  // Sent as a generic file: the service reads the format from the name.
  form.append("file", new Blob([await file.arrayBuffer()], { type: "application/octet-stream" }), file.name);
  $("upload-button").disabled = true;
  status.className = "";
  status.textContent = `Adding ${file.name}…`;
  try {
    const result = await api("/documents", { method: "POST", body: form });
    const words = { created: "added", replaced: "replaced", unchanged: "already there, unchanged" };
    status.textContent = `${result.doc_id}: ${words[result.outcome] || result.outcome}` +
      (result.passages_added ? ` (${result.passages_added} passages); ask about it now.` : ".");
    loadFilters();
  } catch (error) {
    status.className = "error";
    status.textContent = [401, 403].includes(error.status) ? "Adding transcripts needs a write key in the API key box."
      : error.message;
  } finally {
    $("upload-button").disabled = false;
  }
}

function updateKeyState() {
  $("api-key-state").textContent = apiKey() ? "(set)" : "";
}

function start() {
  $("api-key").value = storedKey();
  updateKeyState();
  $("api-key").addEventListener("change", () => {
    storeKey(apiKey());
    updateKeyState();
    loadFilters(); // they may have been refused without a key
  });
  $("ask-form").addEventListener("submit", ask);
  $("upload-form").addEventListener("submit", upload);
  $("filters").addEventListener("change", updateFilterCount);
  $("clear-filters").addEventListener("click", clearFilters);
  loadFilters();
}

start();
