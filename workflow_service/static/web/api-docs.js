/* /api/docs: start swagger-ui on the service's OpenAPI document (flask-smorest's settings in data-*). */
(function () {
  "use strict";
  var holder = document.getElementById("swagger-ui-container");
  var config = Object.assign(
    { url: holder.dataset.specUrl, dom_id: "#swagger-ui-container" },
    JSON.parse(holder.dataset.config || "{}")
  );
  window.ui = window.SwaggerUIBundle(config);
})();
