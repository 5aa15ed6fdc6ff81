/* htmx on the staff pages, under a Content-Security-Policy without eval: polling elements
   (data-poll-visible) ask only while the page is visible, instead of an htmx trigger filter
   (a JavaScript expression htmx would have to eval). */
(function () {
  "use strict";
  document.addEventListener("htmx:beforeRequest", function (event) {
    var element = event.detail && event.detail.elt;
    if (element && element.hasAttribute && element.hasAttribute("data-poll-visible") &&
        document.visibilityState !== "visible") {
      event.preventDefault();
    }
  });
})();
