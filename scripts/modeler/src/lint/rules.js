/**
 * The service's own lint rules: a small bpmnlint plugin ("yiwang"), run in the browser while the
 * analyst draws. They catch early what the server's validation (services/process/validation.py)
 * refuses at deploy; the server stays the judge, these only point at the element sooner.
 */

import { getProperty, laneRole } from '../spiff-properties.js';

export const LANES = ['window', 'department', 'township', 'command'];
export const STATUSES = [
  'submitted', 'accepted', 'not_accepted', 'returned', 'supplement', 'under_review',
  'approved', 'refused', 'issued', 'archived', 'withdrawn', 'suspended'
];

function is(node, type) {
  return node && node.$instanceOf && node.$instanceOf(type);
}

function isTimerEvent(node) {
  return (node.get('eventDefinitions') || []).some((definition) => is(definition, 'bpmn:TimerEventDefinition'));
}

// A rule factory as bpmnlint wants it: () => ({ check(node, reporter) }).
function rule(check) {
  return () => ({ check });
}

export const rules = {
  // The router resolves a lane by its name: any other name reaches nobody's inbox.
  'lane-role': rule((node, reporter) => {
    if (is(node, 'bpmn:Lane') && !LANES.includes((node.name || '').trim())) {
      reporter.report(node.id, `泳道名须为 ${LANES.join(' / ')} 之一`);
    }
  }),
  'user-task-lane': rule((node, reporter) => {
    if (is(node, 'bpmn:UserTask') && !LANES.includes(laneRole(node))) {
      reporter.report(node.id, '用户任务须位于 window / department / township / command 泳道内');
    }
  }),
  'user-task-form': rule((node, reporter) => {
    if (is(node, 'bpmn:UserTask') && !getProperty(node, 'formJsonSchemaFilename')) {
      reporter.report(node.id, '用户任务须指定表单');
    }
  }),
  'township-responsibility': rule((node, reporter) => {
    if (is(node, 'bpmn:UserTask') && laneRole(node) === 'township' && !getProperty(node, 'responsibilityItem')) {
      reporter.report(node.id, '乡镇配合任务须指定配合事项');
    }
  }),
  'department-type-lane': rule((node, reporter) => {
    if (is(node, 'bpmn:FlowNode') && getProperty(node, 'departmentType') && laneRole(node) !== 'department') {
      reporter.report(node.id, '办理部门类型只能用于 department 泳道的任务');
    }
  }),
  'case-status': rule((node, reporter) => {
    const status = is(node, 'bpmn:FlowNode') && getProperty(node, 'caseStatus');
    if (status && !STATUSES.includes(status)) {
      reporter.report(node.id, `未知的办件状态 ${status}`);
    }
  }),
  'pauses-clock-timer': rule((node, reporter) => {
    if (!is(node, 'bpmn:FlowNode') || getProperty(node, 'pausesClock') === undefined) {
      return;
    }
    if (!is(node, 'bpmn:IntermediateCatchEvent') || !isTimerEvent(node)) {
      reporter.report(node.id, '暂停计时只能用于中间定时器事件（如公示期）');
    }
  }),
  // SpiffWorkflow keeps every round of a looping user task in the case's task tree.
  'no-user-task-loop': rule((node, reporter) => {
    if (is(node, 'bpmn:UserTask') && is(node.loopCharacteristics, 'bpmn:StandardLoopCharacteristics')) {
      reporter.report(node.id, '用户任务不能带循环标记：请用排他网关画回路');
    }
  })
};
