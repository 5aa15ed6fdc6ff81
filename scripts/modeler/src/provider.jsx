/**
 * The properties panel's "一窗通办" group: the extension properties the engine and the router read
 * (docs/bpmn-conventions.md), each as a field that offers only what the service accepts.
 *
 * What the choices are (statuses, department types, responsibility items, forms) and every label
 * comes from the page (the `yiwang` config, rendered by the server in the reader's language), so
 * this file holds no list the server could disagree with and no text that escapes translation.
 */

import {
  CheckboxEntry,
  isCheckboxEntryEdited,
  isSelectEntryEdited,
  isTextAreaEntryEdited,
  isTextFieldEntryEdited,
  SelectEntry,
  TextAreaEntry,
  TextFieldEntry
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';

import { LANES } from './lint/rules.js';
import { businessObject, getProperty, laneRole, setProperty } from './spiff-properties.js';

const LOW_PRIORITY = 400;

function is(element, type) {
  const bo = businessObject(element);
  return !!(bo && bo.$instanceOf && bo.$instanceOf(type));
}

function timerOf(element) {
  const definitions = businessObject(element).get('eventDefinitions') || [];
  return definitions.find((definition) => definition.$instanceOf('bpmn:TimerEventDefinition'));
}

function choices(empty, pairs) {
  return [{ value: '', label: empty }, ...pairs.map(([value, label]) => ({ value, label }))];
}

// One select over an extension property.
function PropertySelect({ element, id, name, label, description, options }) {
  const injector = useService('injector');
  const current = getProperty(element, name) || '';
  // A value the lists do not know (an older file, a type added since) stays visible and selected.
  const all = current && !options.some((option) => option.value === current)
    ? [...options, { value: current, label: current }]
    : options;
  return (
    <SelectEntry
      id={id}
      element={element}
      label={label}
      description={description}
      getValue={() => getProperty(element, name) || ''}
      setValue={(value) => setProperty(injector, element, name, value)}
      getOptions={() => all}
    />
  );
}

function propertyEntry(element, config, id, name, label, options, description) {
  return {
    id,
    element,
    isEdited: isSelectEntryEdited,
    component: (props) => (
      <PropertySelect {...props} name={name} label={label} options={options} description={description} />
    )
  };
}

function LaneRole({ element, id, config }) {
  const modeling = useService('modeling');
  const labels = config.labels;
  const current = (businessObject(element).get('name') || '').trim();
  const options = LANES.map((lane) => ({ value: lane, label: `${lane} · ${config.lanes[lane]}` }));
  if (!LANES.includes(current)) {
    options.unshift({ value: current, label: current || labels.none });
  }
  return (
    <SelectEntry
      id={id}
      element={element}
      label={labels.laneRole}
      description={labels.laneRoleHint}
      getValue={() => (businessObject(element).get('name') || '').trim()}
      setValue={(value) => modeling.updateProperties(element, { name: value })}
      getOptions={() => options}
    />
  );
}

function FormSelect({ element, id, config }) {
  const injector = useService('injector');
  const labels = config.labels;
  const current = getProperty(element, 'formJsonSchemaFilename') || '';
  const names = [...new Set([...config.forms, ...(current ? [current] : [])])].sort();
  const suggested = `${config.processKey}/${businessObject(element).id}.json`;
  const editor = (name) => config.formEditorUrl.replace('__NAME__', name);
  return (
    <div>
      <SelectEntry
        id={id}
        element={element}
        label={labels.form}
        getValue={() => getProperty(element, 'formJsonSchemaFilename') || ''}
        setValue={(value) => setProperty(injector, element, 'formJsonSchemaFilename', value)}
        getOptions={() => choices(labels.none, names.map((name) => [name, name]))}
      />
      <p class="yiwang-links">
        {current ? (
          <a href={editor(current)} target="_blank" rel="noopener" data-testid="edit-form">{labels.editForm}</a>
        ) : null}
        {' '}
        <a href={editor(suggested)} target="_blank" rel="noopener" data-testid="new-form">{labels.newForm}</a>
      </p>
    </div>
  );
}

function ConditionText({ element, id, config }) {
  const modeling = useService('modeling');
  const moddle = useService('moddle');
  const debounce = useService('debounceInput');
  const bo = businessObject(element);
  return (
    <TextAreaEntry
      id={id}
      element={element}
      label={config.labels.condition}
      description={config.labels.conditionHint}
      debounce={debounce}
      getValue={() => (bo.get('conditionExpression') ? bo.get('conditionExpression').get('body') || '' : '')}
      setValue={(value) => modeling.updateProperties(element, {
        conditionExpression: value ? moddle.create('bpmn:FormalExpression', { body: value }) : undefined
      })}
    />
  );
}

function TimerDuration({ element, id, config }) {
  const modeling = useService('modeling');
  const moddle = useService('moddle');
  const debounce = useService('debounceInput');
  const timer = timerOf(element);
  return (
    <TextFieldEntry
      id={id}
      element={element}
      label={config.labels.timerDuration}
      description={config.labels.timerDurationHint}
      debounce={debounce}
      getValue={() => (timer.get('timeDuration') ? timer.get('timeDuration').get('body') || '' : '')}
      setValue={(value) => modeling.updateModdleProperties(element, timer, {
        timeDuration: value ? moddle.create('bpmn:FormalExpression', { body: value }) : undefined
      })}
    />
  );
}

function PausesClock({ element, id, config }) {
  const injector = useService('injector');
  return (
    <CheckboxEntry
      id={id}
      element={element}
      label={config.labels.pausesClock}
      description={config.labels.pausesClockHint}
      getValue={() => getProperty(element, 'pausesClock') === 'true'}
      setValue={(value) => setProperty(injector, element, 'pausesClock', value ? 'true' : '')}
    />
  );
}

function entries(element, config) {
  const labels = config.labels;
  const found = [];
  const add = (id, component, isEdited) => found.push({
    id, element, isEdited, component: (props) => component({ ...props, config })
  });

  if (is(element, 'bpmn:Lane')) {
    add('yiwang-lane-role', LaneRole, isSelectEntryEdited);
  }
  if (is(element, 'bpmn:UserTask')) {
    add('yiwang-form', FormSelect, isSelectEntryEdited);
    const role = laneRole(element);
    if (role === 'department') {
      found.push(propertyEntry(element, config, 'yiwang-department-type', 'departmentType', labels.departmentType,
        choices(labels.departmentTypeDefault, config.departmentTypes), labels.departmentTypeHint));
    }
    if (role === 'township') {
      found.push(propertyEntry(element, config, 'yiwang-responsibility', 'responsibilityItem', labels.responsibility,
        choices(labels.none, config.responsibilityItems)));
    }
  }
  if (is(element, 'bpmn:FlowNode')) {
    found.push(propertyEntry(element, config, 'yiwang-case-status', 'caseStatus', labels.caseStatus,
      choices(labels.noStatus, config.statuses), labels.caseStatusHint));
  }
  if (is(element, 'bpmn:EndEvent') || is(element, 'bpmn:Gateway') || is(element, 'bpmn:IntermediateThrowEvent')) {
    found.push(propertyEntry(element, config, 'yiwang-result-label', 'resultLabel', labels.resultLabel,
      choices(labels.none, config.resultLabels.map((label) => [label, label])), labels.resultLabelHint));
  }
  if (is(element, 'bpmn:Event') && timerOf(element)) {
    add('yiwang-timer-duration', TimerDuration, isTextFieldEntryEdited);
    if (is(element, 'bpmn:IntermediateCatchEvent')) {
      add('yiwang-pauses-clock', PausesClock, isCheckboxEntryEdited);
    }
  }
  if (is(element, 'bpmn:SequenceFlow')) {
    const source = businessObject(element).get('sourceRef');
    if (source && (source.$instanceOf('bpmn:ExclusiveGateway') || source.$instanceOf('bpmn:InclusiveGateway'))) {
      add('yiwang-condition', ConditionText, isTextAreaEntryEdited);
    }
  }
  return found;
}

export function YiwangPropertiesProvider(propertiesPanel, config) {
  this.getGroups = (element) => (groups) => {
    const found = entries(element, config);
    if (found.length) {
      // First, above bpmn-js's own groups: this is what an analyst of this service edits.
      groups.unshift({ id: 'yiwang', label: config.labels.group, entries: found, shouldOpen: true });
    }
    return groups;
  };
  propertiesPanel.registerProvider(LOW_PRIORITY, this);
}

YiwangPropertiesProvider.$inject = ['propertiesPanel', 'config.yiwang'];

export default {
  __init__: ['yiwangPropertiesProvider'],
  yiwangPropertiesProvider: ['type', YiwangPropertiesProvider]
};
