// The supervisors' dashboard: reads the figures as JSON and draws them with Chart.js.
// A static file (the Content-Security-Policy allows scripts from this site only); text is set with
// textContent, never as HTML.
(function () {
  "use strict";

  var holder = document.getElementById("dashboard");
  if (!holder || !window.Chart) {
    return;
  }
  var labels = JSON.parse(holder.dataset.labels);
  var charts = {};

  function percent(rate) {
    return rate === null || rate === undefined ? labels.none : (rate * 100).toFixed(1) + "%";
  }

  function orNone(value) {
    return value === null || value === undefined ? labels.none : String(value);
  }

  function setFigure(name, text) {
    var cell = holder.querySelector('[data-figure="' + name + '"]');
    if (cell) {
      cell.textContent = text;
    }
  }

  function draw(name, type, names, datasets) {
    var canvas = holder.querySelector('[data-chart="' + name + '"]');
    if (!canvas) {
      return;
    }
    if (charts[name]) {
      charts[name].destroy();
    }
    charts[name] = new window.Chart(canvas, {
      type: type,
      data: { labels: names, datasets: datasets },
      options: { responsive: true, maintainAspectRatio: true, animation: false },
    });
  }

  function counts(rows, withOverdue) {
    var datasets = [{ label: labels.cases, data: rows.map(function (row) { return row.count; }) }];
    if (withOverdue) {
      datasets.push({ label: labels.overdue, data: rows.map(function (row) { return row.overdue; }) });
    }
    return datasets;
  }

  function caseList(name, rows) {
    var body = holder.querySelector('[data-list="' + name + '"]');
    body.textContent = "";
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      var link = document.createElement("a");
      link.className = "mono";
      link.href = holder.dataset.caseUrl.replace("NUMBER", encodeURIComponent(row.number));
      link.textContent = row.number;
      var first = document.createElement("td");
      first.appendChild(link);
      tr.appendChild(first);
      [row.service.name, row.township.name, row.department ? row.department.name : "", row.due_date].forEach(
        function (text) {
          var cell = document.createElement("td");
          cell.textContent = text;
          tr.appendChild(cell);
        }
      );
      if (name === "overdue") {
        // 督办: the first of the two clicks, to the notice's small form.
        var urge = document.createElement("a");
        urge.className = "btn small";
        urge.href = holder.dataset.urgeUrl.replace("NUMBER", encodeURIComponent(row.number));
        urge.textContent = labels.urge;
        urge.dataset.testid = "urge";
        var action = document.createElement("td");
        action.appendChild(urge);
        tr.appendChild(action);
      }
      body.appendChild(tr);
    });
    if (!rows.length) {
      var empty = document.createElement("tr");
      var cell = document.createElement("td");
      cell.colSpan = name === "overdue" ? 6 : 5;
      cell.className = "empty";
      cell.textContent = labels.none;
      empty.appendChild(cell);
      body.appendChild(empty);
    }
  }

  function show(figures) {
    var timeliness = figures.timeliness;
    setFigure("total", String(figures.total));
    setFigure("promised_rate", percent(timeliness.promised_rate));
    setFigure("legal_rate", percent(timeliness.legal_rate));
    setFigure("working_days", orNone(timeliness.average_working_days) + " / " + orNone(timeliness.p90_working_days));
    setFigure("supplements", percent(figures.supplements.rate) + "（" + figures.supplements.repeated + "）");
    setFigure("local_share", percent(figures.local_resolution.share));
    setFigure("acceptance", figures.acceptance.same_city + " / " + figures.acceptance.cross_region);
    setFigure("evaluations", figures.evaluations.total + "（" + figures.evaluations.open_rectifications + "）");
    var urging = figures.urging;
    setFigure(
      "urging",
      urging.issued + " / " + urging.answered + " / " + urging.answered_late + " / " + urging.open + " / " + urging.late
    );

    var statuses = Object.keys(figures.by_status);
    draw("status", "doughnut", statuses.map(function (code) { return labels.status[code] || code; }), [
      { data: statuses.map(function (code) { return figures.by_status[code]; }) },
    ]);
    draw("daily", "line", figures.daily.map(function (day) { return day.day; }), [
      { label: labels.daily, data: figures.daily.map(function (day) { return day.count; }) },
    ]);
    draw("township", "bar", figures.by_township.map(function (row) { return row.name; }), counts(figures.by_township, true));
    var kinds = Object.keys(figures.by_function_type);
    draw("function_type", "pie", kinds.map(function (code) { return labels.function_type[code] || code; }), [
      { data: kinds.map(function (code) { return figures.by_function_type[code]; }) },
    ]);
    draw("service", "bar", figures.by_service.map(function (row) { return row.name; }), counts(figures.by_service, true));
    draw("department", "bar", figures.by_department.map(function (row) { return row.name; }), counts(figures.by_department, true));
    var ratings = Object.keys(figures.evaluations.by_rating);
    draw("rating", "bar", ratings.map(function (code) { return labels.rating[code] || code; }), [
      { label: labels.cases, data: ratings.map(function (code) { return figures.evaluations.by_rating[code]; }) },
    ]);
    caseList("overdue", figures.overdue);
    caseList("due_soon", figures.due_soon);
    holder.dataset.drawn = "true";
  }

  fetch(holder.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) {
        throw new Error(response.status + " " + response.statusText);
      }
      return response.json();
    })
    .then(show)
    .catch(function (error) {
      var note = holder.querySelector("[data-dashboard-error]");
      note.hidden = false;
      note.textContent = String(error.message || error);
    });
})();
