/**
 * The analysts' modeler page (/processes/drafts/<id>): bpmn-js's Modeler with its properties panel
 * and our "一窗通办" group, bpmnlint in the editor, token simulation, and the three actions of a
 * draft — save (PUT, under the draft's version), validate (the server's report, each finding marked
 * on its element) and deploy (with a comment).
 *
 * The page renders everything this needs as JSON in <script id="modeler-config"> (no inline script
 * runs under the Content-Security-Policy). The server is the judge: lint only points early at what
 * the validation will say.
 */

import BpmnModeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import lintModule from 'bpmn-js-bpmnlint';
import TokenSimulationModule from 'bpmn-js-token-simulation';

import lintConfig from './lint/config.js';
import yiwangProviderModule from './provider.jsx';

const MARKER = 'validation-error';

function $(selector) {
  return document.querySelector(selector);
}

function start() {
  const config = JSON.parse($('#modeler-config').textContent);
  const labels = config.labels;
  const status = $('#modeler-status');
  const findings = $('#findings');
  let version = config.version;
  let dirty = false;
  let marked = [];

  const modeler = new BpmnModeler({
    container: '#canvas',
    keyboard: { bindTo: document },
    propertiesPanel: { parent: '#properties' },
    linting: { bpmnlint: lintConfig, active: true },
    yiwang: config,
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      yiwangProviderModule,
      lintModule,
      TokenSimulationModule
    ]
  });
  // For the browser tests and the curious: the modeler of this page.
  window.bpmnModeler = modeler;

  function say(text, kind) {
    status.textContent = text;
    status.className = `flash ${kind || 'info'}`;
    status.hidden = !text;
  }

  async function call(url, method, body) {
    const response = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/json',
        'X-CSRFToken': config.csrfToken
      },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
    let answer = null;
    try {
      answer = await response.json();
    } catch (error) {
      answer = null;
    }
    return { status: response.status, ok: response.ok, body: answer || {} };
  }

  function unmark() {
    const canvas = modeler.get('canvas');
    marked.forEach((id) => canvas.removeMarker(id, MARKER));
    marked = [];
  }

  // The server's findings as a list; each marks its element, and a click selects it.
  function show(report) {
    unmark();
    findings.replaceChildren();
    const registry = modeler.get('elementRegistry');
    const canvas = modeler.get('canvas');
    const all = [...(report.errors || []).map((f) => [f, 'error']), ...(report.warnings || []).map((f) => [f, 'warning'])];
    all.forEach(([finding, kind]) => {
      const element = registry.get(finding.element_id);
      if (element && kind === 'error' && !marked.includes(finding.element_id)) {
        canvas.addMarker(finding.element_id, MARKER);
        marked.push(finding.element_id);
      }
      const item = document.createElement('li');
      item.className = `finding ${kind}`;
      item.dataset.testid = 'finding';
      item.dataset.elementId = finding.element_id;
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'link';
      button.textContent = finding.element_id;
      button.disabled = !element;
      button.addEventListener('click', () => {
        modeler.get('selection').select(element);
        canvas.scrollToElement(element);
      });
      item.append(button, ` ${finding.message}`);
      findings.append(item);
    });
    $('#findings-panel').hidden = !all.length;
  }

  async function save() {
    const { xml } = await modeler.saveXML({ format: true });
    const answer = await call(config.urls.save, 'PUT', { bpmn_xml: xml, version });
    if (answer.status === 409) {
      say(labels.stale, 'error');
      return false;
    }
    if (!answer.ok) {
      say(`${labels.saveFailed}: ${answer.body.detail || answer.status}`, 'error');
      return false;
    }
    version = answer.body.version;
    dirty = false;
    say(labels.saved, 'ok');
    return true;
  }

  async function validate() {
    if (dirty && !(await save())) {
      return;
    }
    const answer = await call(config.urls.validate, 'POST');
    if (!answer.ok) {
      say(`${labels.validateFailed}: ${answer.body.detail || answer.status}`, 'error');
      return;
    }
    show(answer.body);
    say(answer.body.valid ? labels.valid : labels.invalid, answer.body.valid ? 'ok' : 'error');
  }

  async function deploy(latestVersion) {
    if (dirty && !(await save())) {
      return;
    }
    const comment = $('#deploy-comment').value.trim();
    const answer = await call(config.urls.deploy, 'POST', { comment: comment || null, latest_version: latestVersion || null });
    if (answer.status === 422 && answer.body.validation_errors) {
      show({ errors: answer.body.validation_errors });
      say(labels.invalid, 'error');
      return;
    }
    if (answer.status === 409 && answer.body.latest_version && !latestVersion) {
      // Someone deployed since this draft started: deploying would undo their version's changes.
      if (window.confirm(`${answer.body.detail}\n${labels.deployAnyway}`)) {
        await deploy(answer.body.latest_version);
      }
      return;
    }
    if (!answer.ok) {
      say(`${labels.deployFailed}: ${answer.body.detail || answer.status}`, 'error');
      return;
    }
    version = answer.body.draft_version || version;
    unmark();
    show({});
    say(`${labels.deployed.replace('__VERSION__', answer.body.version)}`, 'ok');
    const link = $('#deployed-link');
    link.href = answer.body.url;
    link.textContent = labels.openVersion.replace('__VERSION__', answer.body.version);
    link.hidden = false;
  }

  $('#save').addEventListener('click', () => save());
  $('#validate').addEventListener('click', () => validate());
  $('#deploy-form').addEventListener('submit', (event) => {
    event.preventDefault();
    deploy(null);
  });
  $('#simulate').addEventListener('click', () => modeler.get('toggleMode').toggleMode());

  modeler.on('commandStack.changed', () => {
    dirty = true;
    say(labels.unsaved, 'warning');
  });
  window.addEventListener('beforeunload', (event) => {
    if (dirty) {
      event.preventDefault();
      event.returnValue = '';
    }
  });

  modeler.importXML(config.bpmnXml).then(({ warnings }) => {
    modeler.get('canvas').zoom('fit-viewport');
    $('#canvas').dataset.ready = '1';
    if (warnings.length) {
      say(`${labels.importWarnings}: ${warnings.length}`, 'warning');
    }
  }).catch((error) => {
    say(`${labels.importFailed}: ${error.message}`, 'error');
  });
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', start);
} else {
  start();
}
