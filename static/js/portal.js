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

  // Panels (the forms of the ward board and the KE inbox): remember what opened one, and
  // on "Cancel"/"Close" empty the panel and give focus back to that button.
  var panelOpener = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (target && target.matches && target.matches(".panel-region[data-closable]") &&
        event.detail.elt && event.detail.elt.id && !target.contains(event.detail.elt)) {
      panelOpener = event.detail.elt.id;
    }
  });
  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-panel]");
    var region = closer && closer.closest(".panel-region[data-closable]");
    if (!region) {
      return;  // a whole page: the link goes back
    }
    event.preventDefault();
    region.innerHTML = "";
    var opener = panelOpener && document.getElementById(panelOpener);
    if (opener) {
      opener.focus();
    }
  });

  // The pyramid's steps get their width from data-width (the CSP allows no style attribute;
  // setting the style from a script is allowed).
  function sizeSteps(root) {
    root.querySelectorAll("[data-width]").forEach(function (step) {
      step.style.width = step.dataset.width + "%";
    });
  }
  sizeSteps(document);
  document.addEventListener("htmx:load", function (event) { sizeSteps(event.detail.elt); });

  // Come back to the URL htmx pushed (filters, page) after changing the language.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("[data-language-form]") && form.elements.next) {
      form.elements.next.value = window.location.pathname + window.location.search;
    }
  });
})();
