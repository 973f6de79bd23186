// Starts Swagger UI on the API documentation page; the schema's address is in the page.
(function () {
  "use strict";

  // Examples and responses scroll sideways: keyboard users reach them with Tab (WCAG 2.1.1).
  function focusableCode(root) {
    root.querySelectorAll(".microlight:not([tabindex])").forEach(function (block) {
      block.setAttribute("tabindex", "0");
    });
  }

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
    new MutationObserver(function () {
      focusableCode(target);
    }).observe(target, { childList: true, subtree: true });
  });
})();
