/* A poll's answer that left the server before a step the user took in the same region had
   been answered is older than what the step shows: drawn, it would undo the step's rows or
   move the row the user is on (its next poll, which carries the step's fingerprint, brings
   whatever is new). Mark the polling element with data-poll-stale-after="<selector>": an
   answer to it is dropped while a request from an element inside the selector (other than
   the poll) is on its way, and when the poll was sent before such a request was answered. */
(function () {
  "use strict";

  var sent = new WeakMap();  // xhr -> {poll, at}: the poll that sent it, and when
  var pending = new WeakMap();  // poll -> steps in its region on their way
  var answeredAt = new WeakMap();  // poll -> when the last step in its region was answered

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt || !elt.closest) {
      return;
    }
    if (elt.hasAttribute("data-poll-stale-after")) {
      sent.set(event.detail.xhr, {poll: elt, at: Date.now()});
      return;
    }
    var polls = [];
    document.querySelectorAll("[data-poll-stale-after]").forEach(function (poll) {
      if (elt.closest(poll.getAttribute("data-poll-stale-after"))) {
        polls.push(poll);
        pending.set(poll, (pending.get(poll) || 0) + 1);
      }
    });
    if (!polls.length) {
      return;
    }
    // "loadend" follows htmx's own handling of the answer (its swap), whether the step was
    // answered, failed or was aborted, and reaches us even when the swap removed the element
    // that sent the step (htmx's afterRequest would then fire on a detached element).
    event.detail.xhr.addEventListener("loadend", function () {
      var now = Date.now();
      polls.forEach(function (poll) {
        pending.set(poll, Math.max(0, (pending.get(poll) || 0) - 1));
        answeredAt.set(poll, now);
      });
    });
  });

  // The poll is found by its request: htmx names the swap's target, not the poll, as the
  // event's element.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var request = sent.get(event.detail.xhr);
    if (request === undefined) {
      return;
    }
    var poll = request.poll;
    if ((pending.get(poll) || 0) > 0 || (answeredAt.get(poll) || -1) >= request.at) {
      event.detail.shouldSwap = false;
    }
  });
})();
