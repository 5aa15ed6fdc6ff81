/**
 * Read and write the service's extension properties:
 *
 *   <bpmn:extensionElements>
 *     <spiffworkflow:properties>
 *       <spiffworkflow:property name="caseStatus" value="accepted" />
 *
 * There is deliberately no moddle descriptor for the spiffworkflow namespace: bpmn-moddle then keeps
 * every spiffworkflow element as a generic ("any") element and writes it back unchanged, so elements
 * we do not edit here (preScript, postScript, anything a newer SpiffWorkflow adds) survive a save.
 * A generic element keeps its XML attributes as own properties and its child elements in $children.
 */

export const SPIFF_NS = 'http://spiffworkflow.org/bpmn/schema/1.0/core';

function localName(element) {
  return (element && element.$type || '').split(':').pop();
}

function isSpiff(element, name) {
  if (!element || localName(element) !== name) {
    return false;
  }
  const ns = element.$descriptor && element.$descriptor.ns;
  return !ns || !ns.uri || ns.uri === SPIFF_NS;
}

export function businessObject(element) {
  return (element && element.businessObject) || element;
}

function propertiesElement(bo) {
  const extensions = bo && bo.get && bo.get('extensionElements');
  const values = (extensions && extensions.get('values')) || [];
  return values.find((value) => isSpiff(value, 'properties'));
}

/** The value of one extension property of an element (undefined when it has none). */
export function getProperty(element, name) {
  const properties = propertiesElement(businessObject(element));
  const found = ((properties && properties.$children) || []).find(
    (child) => isSpiff(child, 'property') && child.name === name
  );
  return found ? found.value : undefined;
}

/**
 * Set (or, with an empty value, remove) one extension property, through `modeling` so that it can be
 * undone and the properties panel and linter hear of it.
 */
export function setProperty(injector, element, name, value) {
  const modeling = injector.get('modeling');
  const moddle = injector.get('moddle');
  const bo = businessObject(element);
  const empty = value === undefined || value === null || value === '';

  let extensions = bo.get('extensionElements');
  if (!extensions) {
    if (empty) {
      return;
    }
    extensions = moddle.create('bpmn:ExtensionElements', { values: [] });
    extensions.$parent = bo;
    modeling.updateModdleProperties(element, bo, { extensionElements: extensions });
  }

  let properties = propertiesElement(bo);
  if (!properties) {
    if (empty) {
      return;
    }
    properties = moddle.createAny('spiffworkflow:properties', SPIFF_NS, {});
    properties.$parent = extensions;
    properties.$children = [];
    modeling.updateModdleProperties(element, extensions, {
      values: [...extensions.get('values'), properties]
    });
  }

  const children = properties.$children || [];
  const existing = children.find((child) => isSpiff(child, 'property') && child.name === name);
  if (empty) {
    if (existing) {
      modeling.updateModdleProperties(element, properties, {
        $children: children.filter((child) => child !== existing)
      });
    }
    return;
  }
  if (existing) {
    modeling.updateModdleProperties(element, existing, { value: String(value) });
    return;
  }
  const property = moddle.createAny('spiffworkflow:property', SPIFF_NS, { name, value: String(value) });
  property.$parent = properties;
  modeling.updateModdleProperties(element, properties, { $children: [...children, property] });
}

/** The innermost lane whose flowNodeRef lists the flow node (null when it lies in none). */
export function laneOf(node) {
  const bo = businessObject(node);
  let process = bo && bo.$parent;
  while (process && process.$type !== 'bpmn:Process') {
    process = process.$parent;
  }
  let found = null;
  const visit = (laneSet) => {
    ((laneSet && laneSet.get('lanes')) || []).forEach((lane) => {
      if ((lane.get('flowNodeRef') || []).includes(bo)) {
        found = lane;
      }
      visit(lane.get('childLaneSet'));
    });
  };
  ((process && process.get('laneSets')) || []).forEach(visit);
  return found;
}

/** The lane's role as the router reads it: the lane's name. */
export function laneRole(node) {
  const lane = laneOf(node);
  return lane ? (lane.get('name') || '').trim() : null;
}
