// The planning board: technicians × time on @event-calendar (resource timeline: day, week, month).
// Visits are blocks; dragging one (or dropping a waiting visit from the side list) asks the server,
// which checks skills, absences, overlaps, access windows and the SLA deadline. A refusal puts the
// block back and says why; a warning asks for confirmation; every accepted move can be undone.
(function () {
  "use strict";

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function isoDay(date) {
    var pad = function (n) { return String(n).padStart(2, "0"); };
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate());
  }

  function start() {
    var root = document.getElementById("board");
    if (!root || !window.EventCalendar) return;
    var strings = JSON.parse(document.getElementById("board-strings").textContent);
    var status = document.getElementById("board-status");
    var editable = root.dataset.editable === "1";
    var lastMove = null;

    function say(text, kind) {
      status.textContent = "";
      status.className = "board-status " + (kind || "");
      status.append(text);
      if (lastMove && kind === "ok") {
        var undo = document.createElement("button");
        undo.type = "button";
        undo.className = "link";
        undo.id = "board-undo";
        undo.textContent = strings.undo;
        undo.addEventListener("click", function () { undoMove(lastMove); });
        status.append(" ", undo);
      }
    }

    function post(url, body) {
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify(body),
      }).then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, status: response.status, data: data }; });
      });
    }

    function reasonsOf(problem) {
      var list = (problem.reasons && problem.reasons.length ? problem.reasons : problem.warnings) || [];
      return list.length ? list.map(function (r) { return r.message; }).join(" ") : problem.detail;
    }

    // Ask the server; on a warning, ask the dispatcher and try again with confirm.
    function move(body, onRefused) {
      return post(root.dataset.moves, body).then(function (answer) {
        if (answer.ok) {
          lastMove = answer.data.id;
          var warned = answer.data.warnings.map(function (w) { return w.message; }).join(" ");
          say(strings.moved + (warned ? " " + warned : ""), "ok");
          calendar.refetchEvents();
          return;
        }
        var problem = answer.data;
        if (problem.needs_confirmation && window.confirm(reasonsOf(problem) + "\n\n" + strings.confirm)) {
          body.confirm = true;
          return move(body, onRefused);
        }
        onRefused();
        say(strings.refused + ": " + reasonsOf(problem), "error");
      }).catch(function () {
        onRefused();
        say(strings.failed, "error");
      });
    }

    function undoMove(id) {
      post(root.dataset.undo + id + "/undo", {}).then(function (answer) {
        lastMove = null;
        say(answer.ok ? "✓" : answer.data.detail, answer.ok ? "" : "error");
        calendar.refetchEvents();
      });
    }

    function visitEvent(v) {
      var classes = ["visit", "priority-" + v.priority.toLowerCase(), "status-" + v.status];
      if (v.late) classes.push("late");
      if (v.locked) classes.push("locked");
      return {
        id: "v" + v.id,
        resourceIds: [String(v.technician_id)],
        start: new Date(v.start),
        end: new Date(v.end),
        title: v.number + " · " + v.customer,
        classNames: classes,
        startEditable: editable && !v.locked,
        durationEditable: editable && !v.locked,
        extendedProps: { visit: v.id, version: v.version, site: v.site },
      };
    }

    function absenceEvent(a) {
      return {
        id: "a" + a.id,
        resourceIds: [String(a.technician_id)],
        start: new Date(a.start),
        end: new Date(a.end),
        display: "background",
        title: a.status === "approved" ? strings.absent + " (" + a.kind + ")" : strings.requested,
        classNames: ["absence", "absence-" + a.status],
      };
    }

    function load(info, success, failure) {
      var params = new URLSearchParams({ first: isoDay(info.start), last: isoDay(new Date(info.end.getTime() - 1)) });
      if (root.dataset.team) params.set("team_id", root.dataset.team);
      fetch(root.dataset.api + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          calendar.setOption("resources", data.resources.map(function (r) {
            return { id: String(r.id), title: r.name, extendedProps: { skills: r.skills } };
          }));
          success(data.visits.map(visitEvent).concat(data.absences.map(absenceEvent)));
        })
        .catch(failure);
    }

    var calendar = EventCalendar.create(root, {
      view: "resourceTimelineWeek",
      date: root.dataset.first,
      locale: root.dataset.locale,
      firstDay: 1,
      height: "auto",
      nowIndicator: true,
      slotMinTime: "07:00",
      slotMaxTime: "19:00",
      buttonText: function (text) {
        return Object.assign({}, text, strings.buttons);
      },
      views: {
        resourceTimelineDay: { slotDuration: "00:30" },
        resourceTimelineWeek: { slotDuration: "02:00", slotWidth: 48 },
        resourceTimelineMonth: { slotDuration: { days: 1 } },
      },
      headerToolbar: { start: "prev,next today", center: "title", end: "resourceTimelineDay,resourceTimelineWeek,resourceTimelineMonth" },
      resources: [],
      eventSources: [{ events: load }],
      editable: editable,
      eventDrop: function (info) {
        var resource = info.newResource || null;
        var technician = resource ? resource.id : info.event.resourceIds[0];
        move({
          visit_id: info.event.extendedProps.visit,
          version: info.event.extendedProps.version,
          technician_id: Number(technician),
          start: info.event.start.toISOString(),
          end: info.event.end.toISOString(),
        }, info.revert);
      },
      eventResize: function (info) {
        move({
          visit_id: info.event.extendedProps.visit,
          version: info.event.extendedProps.version,
          technician_id: Number(info.event.resourceIds[0]),
          start: info.event.start.toISOString(),
          end: info.event.end.toISOString(),
        }, info.revert);
      },
      eventClick: function (info) {
        if (info.event.display === "background") return;
        var select = document.getElementById("move-visit");
        if (select) { select.value = String(info.event.extendedProps.visit); select.focus(); }
      },
    });

    // A waiting visit dragged from the side list onto the timeline: the point says who and when.
    document.querySelectorAll("#unassigned li[draggable=true]").forEach(function (item) {
      item.addEventListener("dragstart", function (e) {
        e.dataTransfer.setData("text/plain", item.dataset.visit);
        e.dataTransfer.effectAllowed = "move";
      });
    });
    root.addEventListener("dragover", function (e) { if (editable) e.preventDefault(); });
    root.addEventListener("drop", function (e) {
      e.preventDefault();
      var id = e.dataTransfer.getData("text/plain");
      var item = document.querySelector('#unassigned li[data-visit="' + id + '"]');
      var point = calendar.dateFromPoint(e.clientX, e.clientY);
      if (!item || !point || !point.resource) return;
      move({
        visit_id: Number(id),
        version: Number(item.dataset.version),
        technician_id: Number(point.resource.id),
        start: point.date.toISOString(),
      }, function () {}).then(function () {
        if (status.classList.contains("ok")) item.remove();
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
