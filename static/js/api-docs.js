// Starts Swagger UI on the API documentation page; the schema's address is in the page.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var target = document.getElementById("swagger-ui");
    if (!target || typeof window.SwaggerUIBundle !== "function") {
      return;
    }
    window.SwaggerUIBundle({
      url: target.dataset.schemaUrl,
      domNode: target,
      deepLinking: false,
      // Try-it-out sends the token from the Authorize dialog; nothing is kept between visits.
      persistAuthorization: false,
      validatorUrl: null,
    });
  });
})();
