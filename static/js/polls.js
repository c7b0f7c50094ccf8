/* A poll's answer that left the server before a step the user took in the same region is
   older than what the step showed: drawn, it would undo the step's rows or move the row
   the user is on (its next poll brings whatever is new). Mark the polling element with
   data-poll-stale-after="<selector>": an answer to it is dropped when a request from an
   element inside the selector (other than the poll) was sent after the poll's. */
(function () {
  "use strict";

  var sentAt = new WeakMap();  // xhr -> when the poll sent it
  var stepAt = new WeakMap();  // region -> when the last step in it was sent

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt || !elt.closest) {
      return;
    }
    if (elt.hasAttribute("data-poll-stale-after")) {
      sentAt.set(event.detail.xhr, Date.now());
      return;
    }
    document.querySelectorAll("[data-poll-stale-after]").forEach(function (poll) {
      var region = elt.closest(poll.getAttribute("data-poll-stale-after"));
      if (region) {
        stepAt.set(poll, Date.now());
      }
    });
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var poll = event.detail.elt;
    var sent = sentAt.get(event.detail.xhr);
    if (sent !== undefined && poll && (stepAt.get(poll) || 0) >= sent) {
      event.detail.shouldSwap = false;
    }
  });
})();
