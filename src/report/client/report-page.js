// The report page's script: plain browser JavaScript, inlined into the page by
// src/report/render-page.ts and admitted by its hash in the page's Content-Security-Policy. It
// reads the JSON the page embeds and never touches the network. It makes the runs table sort,
// filter and page, shows one view at a time (#overview, #runs, #run=<trace_id>, #ledger,
// #compare), and renders a run's view from its JSON on demand. Without it, the page still shows
// every view as static HTML.
(function () {
  'use strict';
  var doc = document;
  var byId = function (id) {
    return doc.getElementById(id);
  };
  var json = function (id) {
    var el = byId(id);
    return el ? JSON.parse(el.textContent) : null;
  };

  var meta = json('report-meta');
  var packed = json('report-runs');
  var detailCache = null;
  // The run details are the bulk of the page: they are parsed the first time a run is opened.
  // Large values that repeat from run to run are kept once, in texts, and referenced as {"$t": index}.
  var details = function () {
    if (detailCache === null) detailCache = json('report-details') || { texts: [], value: {} };
    return detailCache;
  };
  function resolve(v, texts) {
    if (Array.isArray(v))
      return v.map(function (x) {
        return resolve(x, texts);
      });
    if (v !== null && typeof v === 'object') {
      var keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === '$t' && typeof v.$t === 'number') return texts[v.$t];
      var out = {};
      keys.forEach(function (k) {
        out[k] = resolve(v[k], texts);
      });
      return out;
    }
    return v;
  }
  function detailOf(id) {
    var all = details();
    return Object.prototype.hasOwnProperty.call(all.value, id) ? resolve(all.value[id], all.texts) : null;
  }
  var OUTCOMES = packed.outcomes;
  var RECOVERIES = packed.recoveries;
  var PAGE = 100;

  // ---- small DOM helpers ----
  function el(tag, attrs, children) {
    var node = doc.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (
          !Object.prototype.hasOwnProperty.call(attrs, k) ||
          attrs[k] === null ||
          attrs[k] === undefined ||
          attrs[k] === false
        )
          continue;
        if (k === 'text') node.textContent = attrs[k];
        else if (k === 'className') node.className = attrs[k];
        else node.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
      }
    }
    append(node, children);
    return node;
  }
  function append(node, children) {
    if (children === null || children === undefined) return node;
    if (!Array.isArray(children)) children = [children];
    for (var i = 0; i < children.length; i++) {
      var c = children[i];
      if (c === null || c === undefined || c === false) continue;
      node.appendChild(typeof c === 'string' || typeof c === 'number' ? doc.createTextNode(String(c)) : c);
    }
    return node;
  }
  function num(n) {
    var parts = String(n).split('.');
    return parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (parts.length > 1 ? '.' + parts[1] : '');
  }
  function ms(v) {
    if (v === null || v === undefined) return '–';
    if (v < 10) return v.toFixed(1) + ' ms';
    if (v < 1000) return Math.round(v) + ' ms';
    return (v / 1000).toFixed(2) + ' s';
  }
  function tableTime(t) {
    var iso = new Date(t).toISOString();
    return iso.slice(5, 10) + ' ' + iso.slice(11, 19);
  }
  function badge(kind, prefix) {
    return el('span', { className: 'badge ' + (prefix || 'k-') + kind, text: kind });
  }
  function code(text) {
    return text === null || text === undefined ? '–' : el('code', { text: String(text) });
  }

  // ---- the runs ----
  var t0 = packed.t0 === null ? 0 : Date.parse(packed.t0);
  var runs = packed.rows.map(function (r, i) {
    return {
      i: i,
      id: r[0],
      fid: r[1],
      build: packed.builds[r[2]],
      scenario: packed.scenarios[r[3]],
      subject: packed.subjects[r[4]],
      repeat: r[5],
      expected: OUTCOMES[r[6]],
      detected: OUTCOMES[r[7]],
      start: t0 + r[8],
      dur: r[9],
      depth: r[10],
      recovery: RECOVERIES[r[11]],
      ftype: packed.failure_types[r[12]],
      msg: packed.messages[r[13]] || null,
      steps: r[14],
      hay: null,
    };
  });
  var runIndex = {};
  runs.forEach(function (r) {
    runIndex[r.id] = r;
  });
  var showBuild = packed.builds.length > 1;

  function haystack(r) {
    if (r.hay === null)
      r.hay = [r.scenario, r.subject, r.expected, r.detected, r.msg || '', r.id, r.fid || '', r.build, r.recovery]
        .join(' ')
        .toLowerCase();
    return r.hay;
  }

  var SORTS = {
    scenario: function (a, b) {
      return a.scenario < b.scenario ? -1 : a.scenario > b.scenario ? 1 : a.repeat - b.repeat;
    },
    subject: function (a, b) {
      return a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0;
    },
    expected: function (a, b) {
      return OUTCOMES.indexOf(a.expected) - OUTCOMES.indexOf(b.expected);
    },
    detected: function (a, b) {
      return OUTCOMES.indexOf(a.detected) - OUTCOMES.indexOf(b.detected);
    },
    started: function (a, b) {
      return a.start - b.start;
    },
    duration: function (a, b) {
      return a.dur - b.dur;
    },
    depth: function (a, b) {
      return a.depth - b.depth;
    },
    recovery: function (a, b) {
      return RECOVERIES.indexOf(a.recovery) - RECOVERIES.indexOf(b.recovery);
    },
    message: function (a, b) {
      var x = a.msg || '',
        y = b.msg || '';
      return x < y ? -1 : x > y ? 1 : 0;
    },
  };

  var state = {
    text: '',
    detected: '',
    expected: '',
    subject: '',
    scenario: '',
    recovery: '',
    build: '',
    mismatch: false,
    sort: 'started',
    dir: 1,
    page: 0,
  };
  var shown = runs;

  function filterAndSort() {
    var words = state.text.toLowerCase().split(/\s+/).filter(Boolean);
    var out = [];
    for (var i = 0; i < runs.length; i++) {
      var r = runs[i];
      if (state.detected && r.detected !== state.detected) continue;
      if (state.expected && r.expected !== state.expected) continue;
      if (state.subject && r.subject !== state.subject) continue;
      if (state.scenario && r.scenario !== state.scenario) continue;
      if (state.recovery && r.recovery !== state.recovery) continue;
      if (state.build && r.build !== state.build) continue;
      if (state.mismatch && r.expected === r.detected) continue;
      if (words.length) {
        var hay = haystack(r);
        var all = true;
        for (var w = 0; w < words.length; w++)
          if (hay.indexOf(words[w]) < 0) {
            all = false;
            break;
          }
        if (!all) continue;
      }
      out.push(r);
    }
    var cmp = SORTS[state.sort];
    var dir = state.dir;
    out.sort(function (a, b) {
      return dir * cmp(a, b) || a.i - b.i;
    });
    shown = out;
  }

  function rowOf(r) {
    var matched = r.expected === r.detected;
    var name = r.scenario + (r.repeat ? ' #' + r.repeat : '');
    return el('tr', { className: matched ? null : 'mismatch' }, [
      el('th', { scope: 'row' }, [
        el('a', { href: '#run=' + r.id, text: name }),
        showBuild ? el('span', { className: 'build', text: r.build || 'no build' }) : null,
      ]),
      el('td', { text: r.subject }),
      el('td', null, badge(r.expected)),
      el(
        'td',
        null,
        matched
          ? badge(r.detected)
          : [
              badge(r.detected),
              ' ',
              el('span', { className: 'bad', title: 'a mismatch: not the expected outcome', text: '✗' }),
            ],
      ),
      el('td', { className: 'time', text: tableTime(r.start) }),
      el('td', { className: 'num', text: ms(r.dur) }),
      el('td', { className: 'num', text: String(r.depth) }),
      el('td', null, r.recovery === 'none' ? el('span', { className: 'dim', text: '–' }) : badge(r.recovery, 'r-')),
      // The row keeps the message's first characters; a cut one links to the run's view, which shows it whole.
      el(
        'td',
        { className: 'msg' },
        r.msg && r.msg.slice(-1) === '…'
          ? [r.msg, ' ', el('a', { href: '#run=' + r.id, text: 'whole text' })]
          : r.msg || '',
      ),
    ]);
  }

  var tbody = byId('runs-body');
  var status = byId('runs-status');
  var pager = byId('runs-pager');

  function renderTable() {
    var pages = Math.max(1, Math.ceil(shown.length / PAGE));
    if (state.page >= pages) state.page = pages - 1;
    var from = state.page * PAGE;
    var slice = shown.slice(from, from + PAGE);
    var frag = doc.createDocumentFragment();
    for (var i = 0; i < slice.length; i++) frag.appendChild(rowOf(slice[i]));
    tbody.replaceChildren(frag);
    var all = runs.length;
    status.textContent =
      shown.length === 0
        ? 'No run matches these filters (' + num(all) + ' in all).'
        : 'Showing ' +
          num(from + 1) +
          '–' +
          num(from + slice.length) +
          ' of ' +
          num(shown.length) +
          ' runs' +
          (shown.length !== all ? ' (' + num(all) + ' in all)' : '') +
          '.';
    status.setAttribute('data-shown', String(shown.length));
    pager.hidden = pages <= 1;
    byId('pg-info').textContent = 'Page ' + num(state.page + 1) + ' of ' + num(pages);
    byId('pg-prev').disabled = state.page === 0;
    byId('pg-next').disabled = state.page >= pages - 1;
  }

  function update() {
    var started = performance.now();
    filterAndSort();
    renderTable();
    status.setAttribute('data-ms', String(Math.round(performance.now() - started)));
  }

  // Sorting: a button in each column header; aria-sort says which column sorts and how.
  var headers = doc.querySelectorAll('#runs-table thead th[data-sort]');
  function markSort() {
    for (var i = 0; i < headers.length; i++) {
      var th = headers[i];
      if (th.getAttribute('data-sort') === state.sort)
        th.setAttribute('aria-sort', state.dir === 1 ? 'ascending' : 'descending');
      else th.removeAttribute('aria-sort');
    }
  }
  Array.prototype.forEach.call(headers, function (th) {
    var key = th.getAttribute('data-sort');
    var button = el('button', { type: 'button', className: 'sort', text: th.textContent });
    button.addEventListener('click', function () {
      if (state.sort === key) state.dir = -state.dir;
      else {
        state.sort = key;
        state.dir = 1;
      }
      state.page = 0;
      markSort();
      update();
    });
    th.replaceChildren(button);
  });

  // Filters.
  var form = byId('run-filters');
  var fields = {
    text: 'f-text',
    detected: 'f-detected',
    expected: 'f-expected',
    subject: 'f-subject',
    scenario: 'f-scenario',
    recovery: 'f-recovery',
    build: 'f-build',
  };
  var pending = 0;
  var lastFilters = '';
  function readFilters() {
    for (var k in fields) {
      var f = byId(fields[k]);
      state[k] = f ? f.value : '';
    }
    state.mismatch = byId('f-mismatch').checked;
    // A search field fires change again when it loses focus: filtering again then would rebuild
    // the rows under a click that is on its way to one of them.
    var key = JSON.stringify([
      state.text,
      state.detected,
      state.expected,
      state.subject,
      state.scenario,
      state.recovery,
      state.build,
      state.mismatch,
    ]);
    if (key === lastFilters) return;
    lastFilters = key;
    state.page = 0;
    update();
  }
  form.addEventListener('input', function (e) {
    // Typing waits for the next frame, so a burst of keys filters once.
    if (e.target && e.target.id === 'f-text') {
      if (pending) cancelAnimationFrame(pending);
      pending = requestAnimationFrame(function () {
        pending = 0;
        readFilters();
      });
    } else readFilters();
  });
  form.addEventListener('change', readFilters);
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    readFilters();
  });
  form.addEventListener('reset', function () {
    setTimeout(readFilters, 0);
  });
  // A new page starts at the top of the table.
  function turn(by) {
    state.page += by;
    renderTable();
    status.scrollIntoView({ block: 'start' });
  }
  byId('pg-prev').addEventListener('click', function () {
    if (state.page > 0) turn(-1);
  });
  byId('pg-next').addEventListener('click', function () {
    turn(1);
  });

  form.hidden = false;
  var more = byId('runs-more');
  if (more) more.hidden = true;
  doc.documentElement.classList.add('js');

  // ---- a run's view ----
  function section(title, id, children) {
    return el(
      'section',
      { className: 'run-part', 'aria-labelledby': id },
      [el('h3', { id: id, text: title })].concat(children),
    );
  }
  function facts(pairs) {
    return el(
      'dl',
      { className: 'facts' },
      pairs.filter(Boolean).map(function (p) {
        return el('div', null, [el('dt', { text: p[0] }), el('dd', null, p[1])]);
      }),
    );
  }
  function preview(label, p) {
    if (!p) return null;
    var info = label + ' · ' + p.type + ', ' + num(p.bytes) + ' bytes' + (p.cut ? ', trimmed for the report' : '');
    return el('details', null, [el('summary', { text: info }), el('pre', { text: p.text })]);
  }
  function errorBlock(e) {
    if (!e) return null;
    return el('div', { className: 'error' }, [
      facts([
        ['class', code(e.class)],
        e.name !== e.class ? ['name', code(e.name)] : null,
        ['message', e.message],
        e.code ? ['code', code(e.code)] : null,
        e.status !== null ? ['HTTP status', String(e.status)] : null,
        e.thrown !== 'error' ? ['thrown', 'a ' + e.thrown + ', not an Error'] : null,
        e.cause ? ['cause', [code(e.cause.class), ' ', e.cause.message]] : null,
      ]),
      e.stack ? el('details', null, [el('summary', { text: 'stack' }), el('pre', { text: e.stack })]) : null,
    ]);
  }

  function timeline(d) {
    var end = d.duration_ms;
    d.steps.forEach(function (s) {
      end = Math.max(end, s.start_ms + (s.duration_ms || 0));
    });
    end = Math.max(end, 0.001);
    var failedAt = d.failure ? d.failure.location.step_index : null;
    var list = el('ol', { className: 'timeline', 'aria-label': 'Steps in the order they began' });
    d.steps.forEach(function (s) {
      var left = Math.min(100, (100 * s.start_ms) / end);
      var width =
        s.duration_ms === null ? 100 - left : Math.max(0.4, Math.min(100 - left, (100 * s.duration_ms) / end));
      var bar = el('span', { className: 'bar type-' + s.type + ' st-' + s.status });
      bar.style.left = left + '%';
      bar.style.width = width + '%';
      var typeLabel = s.type.replace('_', ' ');
      var body = [];
      if (s.recovery) {
        var rv = s.recovery;
        body.push(
          facts([
            ['episode', String(rv.episode)],
            ['answered', rv.trigger || 'a policy, no failure'],
            rv.inner_steps.length ? ['ran steps', rv.inner_steps.join(', ')] : null,
            rv.fallback ? ['fallback', rv.fallback] : null,
            Object.keys(rv.metadata).length
              ? [
                  'metadata',
                  Object.keys(rv.metadata)
                    .map(function (k) {
                      return k + ' ' + JSON.stringify(rv.metadata[k]);
                    })
                    .join(' · '),
                ]
              : null,
          ]),
        );
      }
      if (s.error)
        body.push(
          el('details', null, [
            el('summary', { text: 'error: ' + s.error.class + ': ' + s.error.message }),
            errorBlock(s.error),
          ]),
        );
      s.previews.forEach(function (p) {
        body.push(preview(p.label, p));
      });
      var li = el('li', { id: 'step-' + s.index, className: s.index === failedAt ? 'failed-at' : null }, [
        el('div', { className: 'step-head' }, [
          el('span', { className: 'idx', text: String(s.index) }),
          el('span', { className: 'step-type' }, el('span', { className: 'badge', text: typeLabel })),
          el('span', { className: 'step-name' }, [
            s.name,
            el('small', {
              text:
                s.summary +
                (s.agent ? ' · agent ' + s.agent : '') +
                (s.turn && s.type !== 'turn' ? ' · turn ' + s.turn : ''),
            }),
          ]),
          el('span', null, badge(s.status, 'st-')),
          el('span', { className: 'step-time', text: '+' + ms(s.start_ms) + ' · ' + ms(s.duration_ms) }),
          el('span', { className: 'track', 'aria-hidden': 'true' }, bar),
        ]),
        body.length ? el('div', { className: 'step-body' }, body) : null,
      ]);
      list.appendChild(li);
    });
    return list;
  }

  function failurePart(d) {
    var f = d.failure;
    if (!f)
      return [
        el('p', {
          className: 'note good',
          text:
            'No failure: the run passed' +
            (d.expected === 'pass' ? ', as its scenario expects.' : ', but its scenario expects ' + d.expected + '.'),
        }),
      ];
    var out = [
      el('p', { className: 'message', text: f.message }),
      facts(
        [
          ['kind', badge(f.kind)],
          ['failure id', code(f.failure_id)],
          [
            'shows at',
            f.location.step_index === null
              ? 'the run (no step shows it)'
              : el('a', { href: '#step-' + f.location.step_index, text: 'step ' + f.location.step_index }),
          ],
          ['agent', f.location.agent || '–'],
          ['turn', f.location.turn ? 'turn ' + f.location.turn : null],
          ['TRAIL', f.taxonomy.trail || 'unmapped'],
          ['MAST', f.taxonomy.mast || '–'],
        ].filter(function (row) {
          return row[1] !== null; // The turn, in a conversation only.
        }),
      ),
    ];
    var ev = el('div', { className: 'evidence', 'aria-label': 'Evidence' });
    if (f.timeout)
      ev.appendChild(
        facts([
          ['timeout', f.timeout.source],
          ['deadline', ms(f.timeout.deadline_ms)],
          ['elapsed', ms(f.timeout.elapsed_ms)],
        ]),
      );
    if (f.validation) {
      ev.appendChild(el('p', null, ['Validation issues (', code(f.validation.source), '):']));
      ev.appendChild(
        tableOf(
          ['Path', 'Code', 'Message'],
          f.validation.issues.map(function (i) {
            return [code(i.path || '(the whole value)'), code(i.code), i.message];
          }),
        ),
      );
      if (f.validation.more)
        ev.appendChild(el('p', { className: 'note', text: f.validation.more + ' more issues not listed.' }));
    }
    if (f.grounding) {
      ev.appendChild(el('p', { text: 'Grounding flags: claims the sources do not support.' }));
      ev.appendChild(
        tableOf(
          ['Check', 'Path', 'Claim', 'Reason', 'What was known', 'Expected'],
          f.grounding.flags.map(function (g) {
            var known =
              g.known === null
                ? '–'
                : g.known.length === 0
                  ? 'nothing'
                  : g.known.join(', ') + (g.known_more ? ' … ' + g.known_more + ' more' : '');
            return [
              code(g.check),
              code(g.path),
              code(g.claim),
              g.reason,
              known,
              g.expected === null ? '–' : code(g.expected),
            ];
          }),
        ),
      );
      if (f.grounding.more)
        ev.appendChild(el('p', { className: 'note', text: f.grounding.more + ' more flags not listed.' }));
    }
    if (f.error) {
      ev.appendChild(el('p', { text: 'The error:' }));
      ev.appendChild(errorBlock(f.error));
    }
    out.push(ev);
    return out;
  }

  function tableOf(head, rows) {
    return el(
      'div',
      { className: 'table-wrap' },
      el('table', null, [
        el(
          'thead',
          null,
          el(
            'tr',
            null,
            head.map(function (h) {
              return el('th', { scope: 'col', text: h });
            }),
          ),
        ),
        el(
          'tbody',
          null,
          rows.map(function (r) {
            return el(
              'tr',
              null,
              r.map(function (c, i) {
                return el(i === 0 ? 'th' : 'td', i === 0 ? { scope: 'row' } : null, c);
              }),
            );
          }),
        ),
      ]),
    );
  }

  function cascadePart(d) {
    if (!d.failure_traces.length)
      return [el('p', { className: 'note', text: 'No failure trace: nothing failed in this run.' })];
    return d.failure_traces.map(function (t, n) {
      var children = {};
      var roots = [];
      t.nodes.forEach(function (node, i) {
        node.i = i;
        if (node.parent === null) roots.push(node);
        else (children[node.parent] = children[node.parent] || []).push(node);
      });
      function item(node) {
        var where =
          node.step_index === null ? node.where : el('a', { href: '#step-' + node.step_index, text: node.where });
        var kids = children[node.i] || [];
        return el('li', null, [
          el('span', {
            className: 'node-type',
            text: node.hop === 0 ? 'primary: ' + node.failure_type : node.failure_type,
          }),
          ' at ',
          where,
          ' ',
          el('span', { className: 'dim', text: '+' + ms(node.at_ms) + ' · hop ' + node.hop }),
          node.own ? el('span', { className: 'tag own', text: "the run's failure" }) : null,
          node.message ? el('div', { className: 'dim', text: node.message }) : null,
          kids.length ? el('ul', { role: 'group' }, kids.map(item)) : null,
        ]);
      }
      return el('div', { className: 'cascade' }, [
        el('h4', {
          text:
            'Failure trace ' +
            (n + 1) +
            ' of ' +
            d.failure_traces.length +
            ': began at ' +
            (t.component || 'an unknown component') +
            ' (' +
            t.primary_type +
            ')',
        }),
        el('ul', { className: 'tree', 'aria-label': 'Cascade, primary failure first' }, roots.map(item)),
      ]);
    });
  }

  function recoveryPart(d) {
    var out = [];
    if (!d.recovery_traces.length && !d.fallbacks.length)
      return [el('p', { className: 'note', text: 'The run tried no recovery.' })];
    d.recovery_traces.forEach(function (t, n) {
      out.push(
        el('h4', null, ['Episode ' + (n + 1) + ': ', badge(t.final_outcome, 'r-'), ' after a ' + t.trigger_type]),
      );
      out.push(
        tableOf(
          ['#', 'Action', 'Target', 'Outcome', 'At', 'Took'],
          t.actions.map(function (a) {
            return [String(a.sequence), a.action_type, code(a.target), a.outcome, '+' + ms(a.at_ms), ms(a.duration_ms)];
          }),
        ),
      );
    });
    if (d.fallbacks.length) {
      out.push(el('h4', { text: 'Fallbacks' }));
      out.push(
        tableOf(
          ['Type', 'Path taken', 'Instead of', 'Outcome', 'Confidence'],
          d.fallbacks.map(function (f) {
            return [
              f.fallback_type,
              [code(f.path), f.name ? ' (' + f.name + ')' : ''],
              code(f.primary),
              f.outcome,
              f.confidence_impact || 'unknown',
            ];
          }),
        ),
      );
    }
    return out;
  }

  var lastRun = null;
  function showRun(id) {
    var body = byId('run-body');
    var heading = byId('run-h');
    var d = detailOf(id);
    lastRun = id;
    if (!d) {
      heading.textContent = 'Run not found';
      body.replaceChildren(
        el('p', null, [
          'No run with trace id ',
          code(id),
          ' is in this report. ',
          el('a', { href: '#runs', text: 'Back to the runs' }),
        ]),
      );
      return;
    }
    heading.textContent = 'Run: ' + d.scenario_id + (d.run.repeat_index ? ' #' + d.run.repeat_index : '');
    var pos = shown.findIndex(function (r) {
      return r.id === id;
    });
    var prev = pos > 0 ? shown[pos - 1] : null;
    var next = pos >= 0 && pos < shown.length - 1 ? shown[pos + 1] : null;
    var matched = d.expected === d.detected;
    body.replaceChildren.apply(
      body,
      [
        el('nav', { className: 'crumbs', 'aria-label': 'Around this run' }, [
          el('a', { href: '#runs', text: '← Back to the runs' }),
          prev ? el('a', { href: '#run=' + prev.id, text: 'Previous: ' + prev.scenario }) : null,
          next ? el('a', { href: '#run=' + next.id, text: 'Next: ' + next.scenario }) : null,
        ]),
        facts([
          ['subject', d.subject_id],
          ['expected', badge(d.expected)],
          [
            'detected',
            [
              badge(d.detected),
              ' ',
              matched
                ? el('span', { className: 'ok', text: '✓ as expected' })
                : el('span', { className: 'bad', text: '✗ mismatch' }),
            ],
          ],
          ['build', code(d.build_id)],
          ['started', d.started_at.replace('T', ' ').replace('Z', ' UTC')],
          ['duration', ms(d.duration_ms) + ' of a ' + ms(d.run.deadline_ms) + ' deadline'],
          ['run', d.run.mode + ', ' + d.run.isolation + (d.run.repeat_index ? ', repeat ' + d.run.repeat_index : '')],
          ['model', d.model],
          ['trace id', code(d.trace_id)],
          ['OpenTelemetry trace', code(d.otel.trace_id)],
          ['run span', code(d.otel.span_id)],
        ]),
        section('Steps', 'run-steps-h', [
          el('p', {
            className: 'note',
            text:
              d.steps.length +
              ' steps: model calls, tool calls, checks and recovery actions, with when each began (from the run’s start) and how long it took.',
          }),
          timeline(d),
        ]),
        section('Failure and evidence', 'run-failure-h', failurePart(d)),
        section('Failure cascade', 'run-cascade-h', cascadePart(d)),
        section('Recovery and fallbacks', 'run-recovery-h', recoveryPart(d)),
        section('Input and output', 'run-io-h', [
          preview('input', d.input),
          d.output
            ? preview('output', d.output)
            : el('p', { className: 'note', text: 'No output: the run threw or was cut off.' }),
        ]),
        d.derived
          ? el('p', {
              className: 'note',
              text: 'The store held no failure or recovery traces for this run: they were derived again from the run.',
            })
          : null,
      ].filter(Boolean),
    );
    // The step where the failure shows opens its first details (its error, or its reply).
    if (d.failure && d.failure.location.step_index !== null) {
      var li = byId('step-' + d.failure.location.step_index);
      var first = li && li.querySelector('details');
      if (first) first.open = true;
    }
  }

  // ---- views ----
  var VIEWS = ['overview', 'runs', 'run', 'ledger', 'compare'];
  var navLinks = doc.querySelectorAll('.views a');
  // The view a hash shows; null for an anchor outside every view (the skip link's #main), which
  // leaves the view as it is.
  function viewOf(hash) {
    if (hash.indexOf('run=') === 0) return 'run';
    if (hash === '') return 'overview';
    if (VIEWS.indexOf(hash) >= 0 && byId(hash)) return hash;
    var target = byId(hash);
    if (!target) return 'overview';
    var holder = target.closest('.view');
    if (!holder) return null;
    return holder.id === 'run' ? null : holder.id;
  }
  function route(moveFocus) {
    var hash = decodeURIComponent(location.hash.slice(1));
    var name = viewOf(hash);
    if (name === null) return;
    var leaving = lastRun;
    if (name === 'run') showRun(hash.slice(4));
    VIEWS.forEach(function (v) {
      var s = byId(v);
      if (s) s.hidden = v !== name;
    });
    Array.prototype.forEach.call(navLinks, function (a) {
      var v = a.getAttribute('href').slice(1);
      if (v === name || (name === 'run' && v === 'runs')) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    });
    if (!moveFocus) return;
    if (name === 'run') {
      window.scrollTo(0, 0);
      byId('run-h').focus();
    } else if (name === 'runs' && leaving) {
      // Back from a run: focus its link again, when it is on this page of the table.
      var link = tbody.querySelector('a[href="#run=' + leaving + '"]');
      if (link) link.focus();
      lastRun = null;
    } else if (hash === name) {
      window.scrollTo(0, 0);
      var h = byId(name + '-h');
      if (h) {
        h.setAttribute('tabindex', '-1');
        h.focus();
      }
    }
  }
  window.addEventListener('hashchange', function () {
    route(true);
  });
  // Links to a step of the open run scroll to it and keep #run=<id> in the address.
  byId('run-body').addEventListener('click', function (e) {
    var a = e.target.closest ? e.target.closest('a[href^="#step-"]') : null;
    if (!a) return;
    var step = byId(a.getAttribute('href').slice(1));
    if (!step) return;
    e.preventDefault();
    step.setAttribute('tabindex', '-1');
    step.scrollIntoView({ block: 'center' });
    step.focus({ preventScroll: true });
  });
  doc.addEventListener('keydown', function (e) {
    // Escape leaves a run's view for the runs table.
    if (e.key === 'Escape' && !byId('run').hidden) location.hash = '#runs';
  });

  lastFilters = JSON.stringify([
    state.text,
    state.detected,
    state.expected,
    state.subject,
    state.scenario,
    state.recovery,
    state.build,
    state.mismatch,
  ]);
  update();
  markSort();
  route(false);
  performance.mark('report-interactive');
  doc.documentElement.setAttribute('data-interactive', 'true');
})();
