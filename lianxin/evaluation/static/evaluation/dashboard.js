/* The dashboard (evaluation/dashboard.html): draws evaluation:dashboard_data with the vendored ECharts and
 * Leaflet. Every number and chart element opens its records (`url` in the data). Names typed by admins
 * (areas, categories, contact points) are always set as text, never parsed as HTML. Words come from the
 * page's data-* attributes and the data, so the script holds no language of its own. */
(function () {
  'use strict';
  var root = document.getElementById('dashboard');
  if (!root) { return; }
  var pct = function (v) { return v === null || v === undefined ? null : Math.round(v * 1000) / 10; };
  function go(url) { if (url) { window.location.href = url; } }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function chart(id, option, itemOf) {
    var c = echarts.init(document.getElementById(id));
    c.setOption(option);
    // A click on a bar, slice or point opens the records behind it.
    c.on('click', function (p) { var item = itemOf(p); if (item) { go(item.url); } });
    c.getZr().on('mousemove', function (e) { c.getZr().setCursorStyle(e.target ? 'pointer' : 'default'); });
    window.addEventListener('resize', function () { c.resize(); });
    return c;
  }

  function kpis(d) {
    var box = document.getElementById('kpis');
    var cards = [{label: box.dataset.receivedLabel, text: d.received, url: d.received_url, code: 'received'}];
    Object.keys(d.rates).forEach(function (k) { cards.push(d.rates[k]); });
    cards.push({label: box.dataset.overdueLabel, text: d.overdue_open, url: d.overdue_open_url, code: 'overdue_open'});
    cards.forEach(function (c) {
      var col = el('div', {'class': 'col-6 col-md'});
      var card = el('a', {'class': 'card h-100 kpi', href: c.url, 'data-code': c.code});
      var body = el('div', {'class': 'card-body py-2'});
      body.appendChild(el('div', {'class': 'small text-muted'}, c.label));
      body.appendChild(el('div', {'class': 'fs-4'}, c.text));
      if (c.interval) { body.appendChild(el('div', {'class': 'small text-muted ci', title: box.dataset.intervalTitle}, '（' + c.interval + '）')); }
      if (c.denominator !== undefined) {
        var parts = el('div', {'class': 'small'});
        parts.appendChild(el('span', {'class': 'kpi-numerator', 'data-url': c.numerator_url}, c.numerator));
        parts.appendChild(document.createTextNode('/'));
        parts.appendChild(el('span', {'class': 'kpi-denominator', 'data-url': c.denominator_url}, c.denominator));
        body.appendChild(parts);
      }
      card.appendChild(body);
      col.appendChild(card);
      box.appendChild(col);
    });
    // The parts of a rate open their own lists (a link cannot hold links: spans that navigate).
    box.addEventListener('click', function (e) {
      var part = e.target.closest('[data-url]');
      if (part) { e.preventDefault(); go(part.dataset.url); }
    });
  }

  function charts(d) {
    chart('chart-day', {
      tooltip: {trigger: 'axis'}, grid: {left: 40, right: 10, top: 24, bottom: 30},
      xAxis: {type: 'category', data: d.by_day.map(function (x) { return x.day.slice(5); })},
      yAxis: {type: 'value', minInterval: 1},
      series: [{type: 'bar', label: {show: true, position: 'top', fontSize: 10, formatter: function (p) { return p.value ? p.value : ''; }},
        data: d.by_day.map(function (x) { return x.n; })}]
    }, function (p) { return d.by_day[p.dataIndex]; });
    chart('chart-category', {
      tooltip: {trigger: 'item'},
      series: [{type: 'pie', radius: ['0%', '52%'], center: ['50%', '52%'], avoidLabelOverlap: true, minShowLabelAngle: 0,
        // Whole names, each slice labelled with its count and share: the slices add up to the total.
        label: {show: true, formatter: '{b}\n{c}（{d}%）', overflow: 'none', fontSize: 11},
        labelLine: {show: true, length: 8, length2: 6},
        data: d.by_category.map(function (x) { return {name: x.name, value: x.n}; })}]
    }, function (p) { return d.by_category[p.dataIndex]; });
    var codes = Object.keys(d.rates);
    chart('chart-trend', {
      tooltip: {trigger: 'axis'}, legend: {type: 'scroll'}, grid: {left: 40, right: 16, top: 40, bottom: 30},
      xAxis: {type: 'category', data: d.trend.map(function (x) { return x.period; })},
      yAxis: {type: 'value', min: 0, max: 100},
      series: codes.map(function (k) {
        return {name: d.rates[k].label, type: 'line', connectNulls: true, symbolSize: 8,
          data: d.trend.map(function (x) { return pct(x[k]); })};
      })
    }, function (p) {
      var month = d.trend[p.dataIndex];
      return month ? {url: month.urls[codes[p.seriesIndex]]} : null;
    });
    chart('chart-area', {
      tooltip: {}, grid: {left: 40, right: 10, top: 24, bottom: 70},
      xAxis: {type: 'category', data: d.by_area.map(function (x) { return x.name; }), axisLabel: {rotate: 30, interval: 0}},
      yAxis: {type: 'value', minInterval: 1},
      series: [{type: 'bar', label: {show: true, position: 'top'}, data: d.by_area.map(function (x) { return x.n; })}]
    }, function (p) { return d.by_area[p.dataIndex]; });
    var overdue = document.getElementById('chart-overdue');
    if (!d.overdue_by_unit.length) {
      overdue.style.height = 'auto';
      overdue.appendChild(el('p', {'class': 'text-muted small mb-0'}, overdue.dataset.empty));
    } else {
      chart('chart-overdue', {
        tooltip: {}, grid: {left: 160, right: 30, top: 10, bottom: 24},
        yAxis: {type: 'category', inverse: true, data: d.overdue_by_unit.map(function (x) { return x.unit; })},
        xAxis: {type: 'value', minInterval: 1},
        series: [{type: 'bar', itemStyle: {color: '#c0392b'}, label: {show: true, position: 'right'},
          data: d.overdue_by_unit.map(function (x) { return x.n; })}]
      }, function (p) { return d.overdue_by_unit[p.dataIndex]; });
    }
  }

  function hotIssues(d) {
    var list = document.getElementById('hot-issues');
    if (!d.hot_issues.length) {
      list.appendChild(el('li', {'class': 'text-muted'}, d.hot_issues_note || list.dataset.empty));
      return;
    }
    d.hot_issues.forEach(function (h) {
      var li = el('li', {'class': 'mb-1 hot-issue'});
      li.appendChild(el('span', {'class': 'badge bg-danger me-1 hot-rank'}, h.rank));
      li.appendChild(el('a', {href: h.url, 'class': 'hot-summary'}, h.summary));
      li.appendChild(el('span', {'class': 'text-muted'}, ' · ' + list.dataset.heat + ' ' + h.heat + ' · '));
      li.appendChild(el('a', {href: h.url, 'class': 'hot-count'}, h.n + ' ' + list.dataset.pieces));
      list.appendChild(li);
    });
  }

  // Outline radius (metres) of an area by level: the area tree is the base layer without tiles.
  var RADIUS = {district: 4000, street: 1200, community: 350};
  var DEPTH = {district: 1, street: 2, community: 3};

  function areaMap(d) {
    var box = document.getElementById('map');
    var tiles = box.dataset.tiles;
    var map = L.map(box, {attributionControl: !!tiles});
    if (tiles) { L.tileLayer(tiles, {maxZoom: 18}).addTo(map); }
    var bounds = [];
    var areas = d.map.areas;
    var top = Math.min.apply(null, areas.map(function (a) { return DEPTH[a.level] || 9; }).concat([9]));
    var counted = areas.filter(function (a) { return a.n > 0; });
    var most = Math.max.apply(null, counted.map(function (a) { return a.n; }).concat([1]));
    // The area tree is the base layer: each area's place, its name on the top level, its count on hover.
    areas.forEach(function (a) {
      var outline = L.circle([a.lat, a.lng], {radius: RADIUS[a.level] || 300, color: '#7f8c8d', weight: 1, dashArray: '4 3', fillOpacity: 0.03})
        .addTo(map).bindTooltip(document.createTextNode(a.name + '：' + a.n));
      outline.on('click', function () { go(a.url); });
      if ((DEPTH[a.level] || 9) === top) {
        L.tooltip({permanent: true, direction: 'bottom', offset: [0, 14], className: 'area-label', interactive: false})
          .setLatLng([a.lat, a.lng]).setContent(document.createTextNode(a.name)).addTo(map);
      }
      bounds.push([a.lat, a.lng]);
    });
    // Counts by area: circles sized by count with the number inside, at the finest level of the tree
    // whose circles do not pile up at the current zoom (streets when zoomed out over a city, communities
    // closer in); the other levels' counts are kept aside and shown when the zoom suits them.
    var layers = {};
    counted.forEach(function (a) {
      var depth = DEPTH[a.level] || 9;
      var layer = layers[depth] = layers[depth] || L.layerGroup();
      var size = Math.round(18 + 30 * Math.sqrt(a.n / most));
      L.circleMarker([a.lat, a.lng], {radius: size / 2, color: '#2471a3', weight: 1, fillOpacity: 0.35})
        .bindTooltip(document.createTextNode(a.name + '：' + a.n)).on('click', function () { go(a.url); }).addTo(layer);
      L.marker([a.lat, a.lng], {icon: L.divIcon({className: 'area-count', html: el('div', {}, a.n), iconSize: [size, size]}), keyboard: false})
        .on('click', function () { go(a.url); }).addTo(layer);
    });
    var depths = Object.keys(layers).map(Number).sort(function (x, y) { return y - x; });
    function apart(depth) {
      var pts = counted.filter(function (a) { return (DEPTH[a.level] || 9) === depth; })
        .map(function (a) { return map.latLngToContainerPoint([a.lat, a.lng]); });
      for (var i = 0; i < pts.length; i++) {
        for (var j = i + 1; j < pts.length; j++) { if (pts[i].distanceTo(pts[j]) < 40) { return false; } }
      }
      return true;
    }
    function showCounts() {
      var chosen = depths.filter(apart)[0] || depths[depths.length - 1];
      depths.forEach(function (depth) {
        if (depth === chosen) { map.addLayer(layers[depth]); } else { map.removeLayer(layers[depth]); }
      });
    }
    d.map.demands.forEach(function (p) {
      var content = el('div');
      content.appendChild(el('div', {}, p.title + '（' + p.status + '）'));
      if (p.url) { content.appendChild(el('a', {href: p.url}, box.dataset.open)); }
      L.circleMarker([p.lat, p.lng], {radius: 4, color: '#c0392b', weight: 2}).addTo(map).bindPopup(content);
      bounds.push([p.lat, p.lng]);
    });
    d.map.contact_points.forEach(function (p) {
      L.circleMarker([p.lat, p.lng], {radius: 5, color: '#229954'}).addTo(map).bindTooltip(document.createTextNode(p.name));
      bounds.push([p.lat, p.lng]);
    });
    var legend = L.control({position: 'bottomright'});
    legend.onAdd = function () {
      var div = el('div', {'class': 'map-legend', id: 'map-legend'});
      [['#2471a3', box.dataset.legendArea], ['#7f8c8d', box.dataset.legendOutline],
        d.map.clustered ? null : ['#c0392b', box.dataset.legendDemand], ['#229954', box.dataset.legendPoint]]
        .forEach(function (row) {
          if (!row) { return; }
          var line = el('div');
          var swatch = el('i');
          swatch.style.background = row[0];
          line.appendChild(swatch);
          line.appendChild(document.createTextNode(row[1]));
          div.appendChild(line);
        });
      if (d.map.clustered) { div.appendChild(el('div', {'class': 'text-muted'}, box.dataset.legendClustered)); }
      if (!tiles) { div.appendChild(el('div', {'class': 'text-muted'}, box.dataset.legendOffline)); }
      return div;
    };
    legend.addTo(map);
    if (bounds.length) { map.fitBounds(bounds, {padding: [20, 20], maxZoom: 14}); } else { map.setView([28.2, 112.95], 10); }
    showCounts();
    map.on('zoomend', showCounts);
  }

  fetch(root.dataset.url, {credentials: 'same-origin'}).then(function (r) { return r.json(); }).then(function (d) {
    if (d.error) { root.insertBefore(el('div', {'class': 'alert alert-danger'}, d.error.message), root.firstChild); return; }
    kpis(d);
    charts(d);
    hotIssues(d);
    areaMap(d);
    root.dataset.ready = '1';
  });
})();
