/* 一窗通办 staff pages: forms from JSON Schema (json-editor), the applicant block, the case diagram (bpmn-js).
   Everything here is served by the service itself; the pages make no other network calls. */
(function () {
  "use strict";

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  /* Server-side field errors ("data.business_name") shown at the json-editor field they belong to. */
  function showServerErrors(holder, errors) {
    Object.keys(errors || {}).forEach(function (key) {
      if (key.indexOf("data.") !== 0) return;
      var path = key.slice(5).split(".");
      var input = holder.querySelector('[name="root[' + path.join("][") + ']"]');
      var message = document.createElement("div");
      message.className = "err server-error";
      message.textContent = errors[key].join("；");
      if (!input) {
        /* A list or group (e.g. the materials to bring): the message goes under its block. */
        var block = holder.querySelector('[data-schemapath="root.' + path.join(".") + '"]');
        if (block) block.appendChild(message);
        return;
      }
      input.classList.add("invalid");
      input.setAttribute("aria-invalid", "true");
      input.insertAdjacentElement("afterend", message);
      input.addEventListener("input", function () {
        input.classList.remove("invalid");
        message.remove();
      }, { once: true });
    });
  }

  /* json-editor's own (client-side) messages, in the page's language; the server's check is the one that counts. */
  /* json-editor's buttons in the page's language (its validation messages are not shown: see below). */
  var MESSAGES_ZH = {
    button_add_row_title: "添加{{0}}", button_delete_row_title: "删除{{0}}", button_delete_row_title_short: "删除",
    button_delete_all_title: "全部删除", button_delete_last_title: "删除最后一项", button_move_down_title: "下移",
    button_move_up_title: "上移", button_collapse: "收起", button_expand: "展开", button_add: "添加",
    button_delete_node_warning: "确定删除？"
  };

  function isEmpty(item) {
    return item === "" || item === null || item === undefined ||
      (Array.isArray(item) && item.length === 0) ||
      (typeof item === "object" && !Array.isArray(item) && Object.keys(item).length === 0);
  }

  function withoutEmpty(value) {
    /* Optional fields left blank are left out, as the API expects, rather than sent as "" or []. */
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.filter(function (item) { return !isEmpty(item); }).map(withoutEmpty);
    var clean = {};
    Object.keys(value).forEach(function (key) {
      var item = withoutEmpty(value[key]);
      if (!isEmpty(item)) clean[key] = item;
    });
    return clean;
  }

  /* json-editor draws a choice of several (the materials to bring) as checkboxes under a bold title
     that names nothing: the boxes become a group named by that title, described by the field's hint. */
  function groupCheckboxes(holder) {
    holder.querySelectorAll('[data-schematype="array"] > .control-group').forEach(function (group) {
      var title = group.querySelector(":scope > b");
      if (!title || !group.querySelector('input[type="checkbox"]')) return;
      var id = holder.id + "-" + group.parentElement.dataset.schemapath.replace(/[^a-z0-9_]/gi, "-");
      title.id = id + "-title";
      group.setAttribute("role", "group");
      group.setAttribute("aria-labelledby", title.id);
      var hint = group.querySelector(":scope > p");
      if (hint) {
        hint.id = id + "-hint";
        group.setAttribute("aria-describedby", hint.id);
      }
    });
  }

  /* The task forms' renderer: json-editor in the page's language, with the options every form uses.
     The forms editor's preview draws with this same function (window.WorkflowForms.render). */
  function renderForm(holder, schema, fill, onReady) {
    if (document.documentElement.lang.indexOf("zh") === 0) {
      window.JSONEditor.defaults.languages.zh = Object.assign({}, window.JSONEditor.defaults.languages.en, MESSAGES_ZH);
      window.JSONEditor.defaults.language = "zh";
    }
    var editor = new window.JSONEditor(holder, {
      schema: schema,
      theme: "html",
      iconlib: null,
      disable_collapse: true,
      disable_edit_json: true,
      disable_properties: true,
      disable_array_reorder: true,
      required_by_default: false,
      /* The server checks every submission and its messages appear at the fields; json-editor's
         own would appear half-way through typing, some only in English. */
      show_errors: "never",
      prompt_before_delete: false
    });
    holder.jsonEditor = editor;
    editor.on("ready", function () {
      if (fill) fill(editor);
      holder.querySelectorAll("input, select, textarea").forEach(function (input) {
        if (!input.id && input.name) input.id = "f-" + input.name.replace(/[^a-z0-9_]/gi, "_");
      });
      groupCheckboxes(holder);
      if (onReady) onReady(editor);
    });
    return editor;
  }

  function schemaForm(holder) {
    var form = holder.closest("form");
    var errors = readJson(holder.dataset.errors) || {};
    var editor = renderForm(holder, readJson(holder.dataset.schema), function (editor) {
      /* Data posted back after a server-side error: merged over the defaults, since a start value
         without the optional fields would make json-editor drop them from the form. */
      var posted = readJson(holder.dataset.startval) || {};
      if (Object.keys(posted).length) {
        editor.setValue(Object.assign(editor.getValue(), posted));
      }
      showServerErrors(holder, errors);
    }, function () {
      var firstError = holder.querySelector(".invalid") || document.querySelector("input.invalid");
      if (firstError) firstError.focus();
      holder.dataset.ready = "1";
    });
    form.addEventListener("submit", function () {
      form.querySelector('input[name="data"]').value = JSON.stringify(withoutEmpty(editor.getValue()));
    });
  }

  window.WorkflowForms = { render: renderForm, showServerErrors: showServerErrors, submitted: withoutEmpty };

  /* Person: name, resident ID, phone. Legal entity: name, unified social credit code, phone, and
     the 代办人 block opened, since a legal entity acts (and collects results) through a person.
     Reporter (an event's): the channel, name and phone if given, no ID number and no 代办人. */
  function applicantBlock(block) {
    var agent = document.querySelector("[data-agent]");
    function update() {
      var kind = block.querySelector('input[name="applicant_kind"]:checked').value;
      block.querySelectorAll("[data-kind]").forEach(function (node) {
        node.hidden = node.dataset.kind.split(" ").indexOf(kind) < 0;
      });
      /* A reporter may leave the name out (an anonymous call): it is required only of the others. */
      var name = block.querySelector("#applicant_name");
      if (name) {
        name.required = kind !== "reporter";
        var label = block.querySelector("[data-name-label]");
        if (label) label.classList.toggle("req", kind !== "reporter");
      }
      if (agent && kind === "legal_entity") agent.open = true;
      /* A reporter has no 代办人: the block is hidden and its fields are not sent. */
      if (agent) {
        agent.hidden = kind === "reporter";
        agent.querySelectorAll("input, select, textarea").forEach(function (field) {
          field.disabled = kind === "reporter";
        });
      }
      document.querySelectorAll("[data-intake-lead] [data-kind]").forEach(function (node) {
        node.hidden = node.dataset.kind.split(" ").indexOf(kind) < 0;
      });
    }
    block.querySelectorAll('input[name="applicant_kind"]').forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  }

  /* Forms that destroy something ask first (e.g. deleting a saved draft). */
  function confirmFirst(form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }

  /* A message at a material's row, under its upload form (one per form, replaced by the next). */
  function rowMessage(form, text, focus) {
    var message = form.uploadMessage;
    if (!message) {
      message = form.uploadMessage = document.createElement("div");
      message.className = "err";
      message.setAttribute("role", "alert");
      message.tabIndex = -1;
    }
    message.textContent = text;
    if (!text) {
      message.remove();
      return;
    }
    form.insertAdjacentElement("afterend", message);
    if (focus) message.focus();
  }

  /* A file beyond the size limit is refused here, at its material's row, before it is sent
     (the server refuses it too, but only after the whole upload). With htmx the form posts in the
     background and the answer replaces the checklist alone (uploadAnswer). */
  function uploadForm(form) {
    if (form.uploadReady) return;
    form.uploadReady = true;
    var input = form.querySelector('input[type="file"]');
    function check() {
      var file = input.files[0];
      var tooLarge = file && file.size > Number(input.dataset.maxBytes);
      rowMessage(form, tooLarge ? input.dataset.tooLarge : "");
      input.setAttribute("aria-invalid", tooLarge ? "true" : "false");
      return !tooLarge;
    }
    var chosen = form.querySelector(".file-name");
    input.addEventListener("change", function () {
      if (chosen) chosen.textContent = input.files[0] ? input.files[0].name : chosen.dataset.none;
      check();
    });
    form.addEventListener("submit", function (event) {
      if (!check()) event.preventDefault();
    });
    /* htmx sends on submit whatever the submit listeners decided: it asks here. */
    form.addEventListener("htmx:beforeRequest", function (event) {
      if (event.target === form && !check()) event.preventDefault();
    });
    form.addEventListener("htmx:sendError", function () {
      rowMessage(form, form.dataset.failed, true);
    });
  }

  /* htmx swaps only 2xx answers by default; an upload's checklist also comes with 413 or 422 (the
     reason at the material's row) and is swapped all the same. An answer that is not the checklist
     either is a page the request was sent on to (the login, once the session has ended), opened,
     or an error page (403, 404, 409, an expired form …), whose reason is shown at the row. */
  function uploadAnswer(event) {
    var detail = event.detail;
    var form = detail.requestConfig && detail.requestConfig.elt;  /* the event goes to the target */
    if (!form || !form.matches || !form.matches("form.upload")) return;
    var answer = new DOMParser().parseFromString(detail.serverResponse || "", "text/html");
    var first = answer.body.firstElementChild;
    detail.isError = false;
    detail.shouldSwap = Boolean(first && first.id === "materials");
    if (detail.shouldSwap) return;
    var sent = new URL(detail.requestConfig.path, window.location.href).pathname;
    var landed = detail.xhr.responseURL ? new URL(detail.xhr.responseURL).pathname : sent;
    if (detail.xhr.status < 300 && landed !== sent) {
      window.location.assign(detail.xhr.responseURL);
      return;
    }
    var title = answer.querySelector(".error-page h1");
    var reason = answer.querySelector(".error-page h1 + p");
    rowMessage(form, title
      ? title.textContent + (reason ? "：" + reason.textContent : "")
      : detail.xhr.status + " " + detail.xhr.statusText, true);
  }

  function diagram(holder) {
    var viewer = new window.BpmnJS({ container: holder });
    fetch(holder.dataset.src, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var canvas = viewer.get("canvas");
        var registry = viewer.get("elementRegistry");
        var current = readJson(holder.dataset.current) || [];
        (readJson(holder.dataset.completed) || []).forEach(function (id) {
          if (registry.get(id) && current.indexOf(id) < 0) canvas.addMarker(id, "done");
        });
        current.forEach(function (id) { if (registry.get(id)) canvas.addMarker(id, "current"); });
        /* A version comparison: element id → diff-added / diff-removed / diff-changed. */
        var marks = readJson(holder.dataset.marks) || {};
        Object.keys(marks).forEach(function (id) { if (registry.get(id)) canvas.addMarker(id, marks[id]); });
        var lanes = readJson(holder.dataset.lanes) || {};
        registry.filter(function (element) { return element.type === "bpmn:Lane"; }).forEach(function (lane) {
          var label = lanes[lane.businessObject.name];
          var text = label && registry.getGraphics(lane).querySelector("text tspan");
          if (text) text.textContent = label;
        });
        canvas.zoom("fit-viewport");
        holder.dataset.ready = "1";
      })
      .catch(function (error) {
        holder.textContent = holder.dataset.failed + " (" + error.message + ")";
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-schema]").forEach(schemaForm);
    document.querySelectorAll("[data-applicant]").forEach(applicantBlock);
    document.querySelectorAll("form[data-confirm]").forEach(confirmFirst);
    document.querySelectorAll("form.upload").forEach(uploadForm);
    document.querySelectorAll("[data-diagram]").forEach(diagram);
  });
  document.addEventListener("htmx:beforeSwap", uploadAnswer);
  /* A checklist swapped in by an upload brings new forms. */
  document.addEventListener("htmx:load", function (event) {
    if (event.target.querySelectorAll) event.target.querySelectorAll("form.upload").forEach(uploadForm);
  });
})();
