// /api/v1/docs: Swagger UI on the portal's OpenAPI document. A file of its own, not an inline
// script, so that the page holds under the portal's Content-Security-Policy.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
    validatorUrl: null, // the default validator badge would call another host
    defaultModelsExpandDepth: 0
  });
}());
