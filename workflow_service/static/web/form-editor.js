/* The forms editor: a form's JSON Schema in vanilla-jsoneditor, checked as it is typed against the
   draft-07 meta-schema (a check built ahead of time: the pages allow no eval), beside a preview drawn
   by the task pages' own renderer (app.js, json-editor) from what the server makes of the schema for
   the clerks. Saving sends the schema with the draft's version; a refused save keeps the text. */
import { createJSONEditor } from "../vendor/vanilla-jsoneditor/standalone.js";
import { checkDraft07 } from "../vendor/form-schema-check/form-schema-check.js";

const config = JSON.parse(document.getElementById("form-editor-config").textContent);
const text = config.messages;
const language = document.documentElement.lang;
const csrfToken = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
const status = document.getElementById("editor-status");
const errorBox = document.getElementById("form-errors");
const previewHolder = document.getElementById("form-preview");
const previewStatus = document.getElementById("preview-status");
let version = config.version;
let serverErrors = [];  /* the last refused save's errors, shown in the editor until the next edit */
let dirty = false;

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => String(values[key]));
}

function pointerPath(pointer) {
  return pointer.split("/").slice(1).map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/* "schema.properties.remark.type" (the server's field error keys) → ["properties", "remark", "type"] */
function keyPath(key) {
  return key === "schema" ? [] : key.replace(/^schema\./, "").split(".");
}

function validator(json) {
  const own = checkDraft07(json, language).map((error) => ({
    path: pointerPath(error.pointer), message: error.message, severity: "error"
  }));
  return own.concat(serverErrors);
}

/* A list of "place: message" lines under a heading, in the box given; hidden when empty. */
function showList(box, heading, errors) {
  box.replaceChildren();
  box.hidden = !heading;
  if (!heading) return;
  const strong = document.createElement("strong");
  strong.textContent = heading;
  box.append(strong);
  if (!errors.length) return;
  const list = document.createElement("ul");
  errors.forEach(([place, message]) => {
    const item = document.createElement("li");
    if (place) {
      const code = document.createElement("code");
      code.textContent = place;
      item.append(code, "：");
    }
    item.append(message);
    list.append(item);
  });
  box.append(list);
}

function problemErrors(problem) {
  return Object.entries(problem.errors || {}).flatMap(([key, messages]) =>
    [].concat(messages).map((message) => [key.replace(/^schema\.?/, ""), message]));
}

async function send(url, method, body) {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken },
    body: JSON.stringify(body)
  });
  let answer = {};
  try { answer = await response.json(); } catch (error) { answer = { detail: response.statusText }; }
  return { status: response.status, answer };
}

/* ---- the preview: the clerks' renderer, redrawn after each valid change, what was typed kept ---- */
let previewRound = 0;
let previewTimer = null;
let shownSchema = null;

function showData() {
  const editor = previewHolder.jsonEditor;
  document.getElementById("preview-data").textContent =
    editor ? JSON.stringify(window.WorkflowForms.submitted(editor.getValue()), null, 2) : "";
}

function draw(browserSchema) {
  const old = previewHolder.jsonEditor;
  const typed = old ? old.getValue() : null;
  if (old) old.destroy();
  previewHolder.replaceChildren();
  previewHolder.dataset.ready = "";
  window.WorkflowForms.render(previewHolder, browserSchema, (editor) => {
    if (!typed || typeof typed !== "object") return;
    const value = editor.getValue();
    Object.keys(value).forEach((key) => {
      if (key in typed && typeof typed[key] === typeof value[key]) value[key] = typed[key];
    });
    try { editor.setValue(value); } catch (error) { /* a field that changed its kind starts empty */ }
  }, (editor) => {
    editor.on("change", showData);
    showData();
    previewHolder.dataset.ready = "1";
  });
}

async function preview(schema) {
  const round = ++previewRound;
  const { status: code, answer } = await send(config.previewUrl, "POST", { schema });
  if (round !== previewRound) return;  /* a later change is on its way */
  if (code === 200) {
    previewStatus.hidden = true;
    shownSchema = schema;
    draw(answer.schema);
  } else {
    showList(previewStatus, text.previewStale + " " + (answer.detail || ""), problemErrors(answer));
  }
}

function previewSoon(schema) {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(() => preview(schema), 300);
}

async function tryForm() {
  const editor = previewHolder.jsonEditor;
  if (!editor || !shownSchema) return;
  previewHolder.querySelectorAll(".server-error").forEach((node) => node.remove());
  previewHolder.querySelectorAll(".invalid").forEach((node) => {
    node.classList.remove("invalid");
    node.removeAttribute("aria-invalid");
  });
  const data = window.WorkflowForms.submitted(editor.getValue());
  const { status: code, answer } = await send(config.previewUrl, "POST", { schema: shownSchema, data });
  const result = document.getElementById("try-result");
  if (code !== 200) {
    result.textContent = answer.detail || String(code);
    return;
  }
  const count = Object.keys(answer.errors).length;
  result.textContent = count ? fill(text.tryErrors, { n: count }) : text.tryOk;
  result.className = count ? "err" : "hint";
  window.WorkflowForms.showServerErrors(previewHolder, answer.errors);
}

/* ---- the JSON editor ---- */
function currentText(editor) {
  const content = editor.get();
  return content.text !== undefined ? content.text : JSON.stringify(content.json, null, 2);
}

/* The status line under the editor: the JSON's own state, by the same checks the editor marks;
   the parsed schema when it is a valid draft-07 schema (to preview), else null. */
function describe(source) {
  let schema;
  try {
    schema = JSON.parse(source);
  } catch (error) {
    status.className = "err";
    status.textContent = text.parseError + error.message;
    return null;
  }
  const count = checkDraft07(schema, language).length;
  status.className = count ? "err" : "hint";
  status.textContent = (count ? fill(text.metaErrors, { n: count }) : text.ok) + (dirty ? " · " + text.unsaved : "");
  return count ? null : schema;
}

const schemaEditor = createJSONEditor({
  target: document.getElementById("schema-editor"),
  props: {
    content: { text: config.schemaText },
    mode: "text",
    readOnly: config.readOnly,
    askToFormat: false,
    validator,
    onChange() {
      dirty = !config.readOnly;
      showList(errorBox, "", []);  /* the last save's reasons were about the text before this edit */
      if (serverErrors.length) {
        serverErrors = [];
        schemaEditor.updateProps({ validator: (json) => validator(json) });
      }
      const schema = describe(currentText(schemaEditor));
      if (schema) previewSoon(schema);
    }
  }
});
document.getElementById("schema-editor").schemaEditor = schemaEditor;
describe(config.schemaText);
preview(JSON.parse(config.schemaText));

async function save() {
  let schema;
  try {
    schema = JSON.parse(currentText(schemaEditor));
  } catch (error) {
    showList(errorBox, text.notSaved + text.parseError + error.message, []);
    return;
  }
  status.textContent = text.saving;
  const { status: code, answer } = await send(config.saveUrl, "PUT", { schema, version });
  if (code === 200) {
    version = answer.version;
    dirty = false;
    serverErrors = [];
    showList(errorBox, "", []);
    document.getElementById("draft-version").textContent = version;
    const badge = document.querySelector("[data-testid=new-form]");
    if (badge) badge.remove();
    status.className = "hint";
    status.textContent = fill(text.saved, { v: version });
  } else if (code === 409) {
    showList(errorBox, text.stale, []);
    describe(currentText(schemaEditor));
  } else if (code === 422) {
    const errors = problemErrors(answer);
    showList(errorBox, text.refused + " " + (answer.detail || ""), errors);
    serverErrors = Object.entries(answer.errors || {}).flatMap(([key, messages]) =>
      [].concat(messages).map((message) => ({ path: keyPath(key), message, severity: "error" })));
    schemaEditor.updateProps({ validator: (json) => validator(json) });
    describe(currentText(schemaEditor));
  } else {
    showList(errorBox, text.failed + (answer.detail || answer.title || code), []);
    describe(currentText(schemaEditor));
  }
}

const saveButton = document.getElementById("save-form");
if (saveButton) saveButton.addEventListener("click", save);
document.getElementById("try-form").addEventListener("click", tryForm);
window.addEventListener("beforeunload", (event) => {
  if (dirty) event.preventDefault();
});
