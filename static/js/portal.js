/* Small helpers around htmx: announcements, session expiry, focus and tidy URLs. */
(function () {
  "use strict";

  var body = document.body;

  function announce(text) {
    var region = document.getElementById("announcer");
    if (region) {
      region.textContent = "";
      window.setTimeout(function () { region.textContent = text; }, 50);
    }
  }

  // The session ended during an htmx request: load the sign-in page as a whole page.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    var login = body.dataset.loginUrl;
    if (login && xhr.responseURL && new URL(xhr.responseURL).pathname === login) {
      event.detail.shouldSwap = false;
      window.location.assign(xhr.responseURL);
    }
  });

  // Tell everyone, screen-reader users included, when an update failed.
  function failed() { announce(body.dataset.errorMessage); }
  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:sendError", failed);

  // Leave empty filters out of GET requests, so shared URLs stay short.
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.verb !== "get" || !event.detail.formData) {
      return;
    }
    var data = event.detail.formData;
    Array.from(data.keys()).forEach(function (key) {
      if (data.getAll(key).every(function (value) { return value === ""; })) {
        data.delete(key);
      }
    });
  });

  // After an htmx swap that brought an error summary, move focus to it.
  document.addEventListener("htmx:afterSettle", function (event) {
    var summary = event.detail.target.querySelector("[data-focus-after-swap]");
    if (summary) {
      summary.focus();
    }
  });

  // Come back to the URL htmx pushed (filters, page) after changing the language.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("[data-language-form]") && form.elements.next) {
      form.elements.next.value = window.location.pathname + window.location.search;
    }
  });
})();
