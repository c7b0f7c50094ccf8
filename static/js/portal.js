/* Small helpers around htmx: announcements, session expiry, focus and tidy URLs.

   Keeping the user's place after an htmx swap (every swap, no markup needed):
   - Before the swap, the element that made the request (a form, a button) and its ancestors
     are remembered by a path from the nearest element with an id (`#plan-body > section:
     nth-of-type(3) > details:nth-of-type(1)`), with where each stood in the window.
   - After the swap, the nearest of them that is still shown is put back where it stood: the
     window does not jump when a region above or around it is replaced, grows or shrinks.
   - Focus then moves to the element of the new content marked `data-focus-after-swap` (an
     error summary, a confirmation, a panel's heading; give it tabindex="-1"), the one
     nearest the place the user acted when there are several, without scrolling
     (preventScroll) and then scrolled into view only as far as needed (block "nearest").
     Mark a confirmation next to the changed item, not at the top of the page:
       <p class="notice notice--success" tabindex="-1" data-focus-after-swap>Saved.</p>
     Without a marked element, focus goes to the remembered place (the changed item) when
     the element that had focus went away, instead of falling back to <body>.

   Panels (`.panel-region[data-closable]`): the button that opened one gets focus back when
   the panel is closed with its Close/Cancel button or with Escape.

   Table scrollers are written with {% scroller label %} (common/templatetags/scrollers.py),
   which renders them reachable and named; nothing here names them. */
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

  // Keeping the place: see the comment at the top.
  function rendered(element) {
    return element && element.isConnected && element.getClientRects().length > 0;
  }

  function pathOf(element) {
    var steps = [];
    while (element && element !== document.body) {
      if (element.id) {
        steps.unshift("#" + CSS.escape(element.id));
        return steps.join(" > ");
      }
      var index = 1;
      for (var sibling = element.previousElementSibling; sibling;
           sibling = sibling.previousElementSibling) {
        if (sibling.tagName === element.tagName) { index += 1; }
      }
      steps.unshift(element.tagName.toLowerCase() + ":nth-of-type(" + index + ")");
      element = element.parentElement;
    }
    return null;
  }

  // The place is taken before the swap, for the request, and kept only once its answer is
  // swapped in: an answer that another listener drops (a stale poll, polls.js) must not
  // take the place of a step's whose focus is still to move.
  var place = null;
  var placeOf = new WeakMap();  // xhr -> the place before its answer was swapped in
  document.addEventListener("htmx:afterSwap", function (event) {
    var taken = event.detail.xhr && placeOf.get(event.detail.xhr);
    if (taken) {
      place = taken;
    }
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var config = event.detail.requestConfig || {};
    var source = event.detail.elt || config.elt;
    if (!source || !source.isConnected || event.detail.shouldSwap === false) {
      return;
    }
    var spots = [];
    for (var element = source; element && element !== document.body;
         element = element.parentElement) {
      var path = pathOf(element);
      if (path && rendered(element)) {
        spots.push({path: path, top: element.getBoundingClientRect().top});
      }
    }
    var focused = document.activeElement;
    placeOf.set(event.detail.xhr, {
      spots: spots,
      marked: new Set(document.querySelectorAll("[data-focus-after-swap]")),
      focused: focused,
      focusedPath: focused && focused !== body ? pathOf(focused) : null,
      // A poll (no event of the user's) keeps the place and the focus, and moves neither.
      byUser: Boolean(config.triggeringEvent),
    });
  });

  function restorePlace(done) {
    var anchor = null;
    done.spots.some(function (spot) {
      var found = null;
      try { found = document.querySelector(spot.path); } catch (ignored) { found = null; }
      if (rendered(found)) {
        anchor = found;
        window.scrollBy(0, found.getBoundingClientRect().top - spot.top);
      }
      return anchor !== null;
    });
    return anchor;
  }

  function distance(element, anchor) {
    if (!anchor) { return 0; }
    var a = anchor.getBoundingClientRect();
    var b = element.getBoundingClientRect();
    if (anchor.contains(element)) { return -1; }
    return Math.min(Math.abs(b.top - a.bottom), Math.abs(b.bottom - a.top));
  }

  function focusInPlace(element) {
    element.focus({preventScroll: true});
    var box = element.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) {
      element.scrollIntoView({block: "nearest"});
    }
  }

  function settle() {
    var done = place;
    place = null;
    if (!done) {
      return;
    }
    var anchor = restorePlace(done);
    if (!done.byUser) {
      var again = done.focusedPath && document.activeElement === body &&
        document.querySelector(done.focusedPath);
      if (rendered(again)) { again.focus({preventScroll: true}); }
      return;
    }
    var marked = Array.from(document.querySelectorAll("[data-focus-after-swap]"))
      .filter(function (element) { return !done.marked.has(element) && rendered(element); });
    marked.sort(function (a, b) { return distance(a, anchor) - distance(b, anchor); });
    if (marked.length) {
      focusInPlace(marked[0]);
    } else if (anchor && !rendered(done.focused) && document.activeElement === body) {
      if (!anchor.matches("a[href], button, input, select, textarea, summary, [tabindex]")) {
        anchor.setAttribute("tabindex", "-1");
      }
      focusInPlace(anchor);
    }
  }
  // afterSettle fires once for every element settled (the target and each out-of-band
  // swap): act once, after the last of them.
  document.addEventListener("htmx:afterSettle", function () {
    if (place && !place.scheduled) {
      place.scheduled = true;
      window.setTimeout(settle, 0);
    }
  });

  // Panels (the forms of the ward board, the KE inbox, the overview and the meeting):
  // remember what opened one, and on "Cancel"/"Close" or Escape empty the panel and give
  // focus back to that button.
  var panelOpener = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (target && target.matches && target.matches(".panel-region[data-closable]") &&
        event.detail.elt && !target.contains(event.detail.elt)) {
      panelOpener = {id: event.detail.elt.id, element: event.detail.elt};
    }
  });

  function closePanel(region) {
    region.innerHTML = "";
    var opener = panelOpener && (
      (panelOpener.element.isConnected && panelOpener.element) ||
      (panelOpener.id && document.getElementById(panelOpener.id)));
    if (opener) {
      focusInPlace(opener);
    } else {
      focusInPlace(document.getElementById("main"));
    }
  }

  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-panel]");
    var region = closer && closer.closest(".panel-region[data-closable]");
    if (!region) {
      return;  // a whole page: the link goes back
    }
    event.preventDefault();
    closePanel(region);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.defaultPrevented) {
      return;
    }
    var region = event.target.closest && event.target.closest(".panel-region[data-closable]");
    if (!region) {
      // Focus outside every panel (on the page, or on <body>): close the one open panel.
      var open = Array.from(document.querySelectorAll(".panel-region[data-closable]"))
        .filter(function (each) { return each.children.length > 0; });
      region = open.length === 1 ? open[0] : null;
      if (region && event.target.closest("input, select, textarea")) {
        return;  // Escape in a field elsewhere belongs to that field
      }
    }
    if (region && region.children.length > 0) {
      event.preventDefault();
      closePanel(region);
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
