// (Appended to the imports of the generated validator and ajv-i18n by build.mjs.)

/** One message per place in the form: Ajv reports each failed branch of an anyOf (e.g. "type"
 * is a name or a list of names) and then the anyOf itself; the first branch's message is the one
 * that reads well ("must be one of string, number, …"). */
function onePerPlace(errors) {
  const seen = new Set();
  return errors.filter((error) => {
    if (error.keyword === "anyOf" || error.keyword === "oneOf" || seen.has(error.instancePath)) return false;
    seen.add(error.instancePath);
    return true;
  });
}

/** The errors of `schema` as a form (draft-07): [{pointer, message}], messages in Chinese for "zh". */
export function checkDraft07(schema, language) {
  if (validate(schema)) return [];
  const errors = validate.errors.map((error) => ({ ...error }));
  if (String(language || "").startsWith("zh")) localizeZh(errors);
  return onePerPlace(errors).map((error) => ({
    pointer: error.instancePath,
    message: error.keyword === "enum" ? `${error.message}: ${error.params.allowedValues.join(", ")}` : error.message,
  }));
}
