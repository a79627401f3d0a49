(function () {
  "use strict";
  var T = {
    zh: {
      other: "English", pending: "号码已取，正在获取排队信息…", waiting: "等待中",
      called: "已叫号，请到 {w} 号窗口办理", serving: "正在 {w} 号窗口办理",
      booth: "已叫号，请到 {p} 办理", no_show: "已过号", cancelled: "已放弃",
      finished: "已办结", expired: "该号码已过期",
      ahead: "前面还有 {n} 人", near: "快到您了！前面还有 {n} 人，请到大厅留意叫号",
      go: "轮到您了！请到 {w} 号窗口", goBooth: "轮到您了！请到 {p}",
      noshow: "过号请到服务台重新签到：重新签到后排在 {n} 位之后（每个号码可重新签到 {m} 次）。",
      noshowNone: "过号后本厅不能重新签到，请重新取号。",
      expiredDetail: "号码仅限取号当日有效，如需办理请重新取号。",
      cancelledDetail: "您已放弃该号码，如需办理请重新取号。",
      cancel: "放弃排号", confirm: "确定放弃 {num} 号吗？放弃后不能恢复。", cancelling: "正在放弃…",
      rateq: "请为本次服务评价（好差评）", thanks: "感谢您的评价：{l}", rating: "正在提交…",
      reconnecting: "网络不稳定，正在重新连接…（{s} 秒后重试）", connecting: "正在连接…",
      notify: "开启到号提醒（通知）", title: "{num} · 排队进度"
    },
    en: {
      other: "中文", pending: "Number taken; fetching its place in the queue…", waiting: "Waiting",
      called: "Called: please go to window {w}", serving: "Being served at window {w}",
      booth: "Called: please go to {p}", no_show: "Missed (no-show)", cancelled: "Given up",
      finished: "Finished", expired: "This number has expired",
      ahead: "{n} ahead of you", near: "Your turn is near: {n} ahead. Please be in the hall and listen for the call",
      go: "It is your turn! Please go to window {w}", goBooth: "It is your turn! Please go to {p}",
      noshow: "Missed your call? Check in again at the service desk: you go {n} places back (check-ins again allowed per number: {m}).",
      noshowNone: "This hall cannot check in a missed number again; please take a new number.",
      expiredDetail: "A number is valid only on the day it was taken; take a new number if you still need the service.",
      cancelledDetail: "You gave up this number; take a new one if you still need the service.",
      cancel: "Give up my number", confirm: "Give up number {num}? This cannot be undone.", cancelling: "Giving up…",
      rateq: "Please rate the service", thanks: "Thank you for your rating: {l}", rating: "Sending…",
      reconnecting: "Weak connection, reconnecting… (retry in {s} s)", connecting: "Connecting…",
      notify: "Turn on call alerts (notifications)", title: "{num} · Queue"
    }
  };
  var FINAL = { cancelled: 1, expired: 1 };
  var $ = function (id) { return document.getElementById(id); };
  var base = location.pathname.replace(/\/+$/, "");
  var state = JSON.parse($("state").textContent);
  var lang = "zh";
  try { lang = localStorage.getItem("hallq.lang") || "zh"; } catch (e) { /* private mode */ }
  var asked = new URLSearchParams(location.search).get("lang");
  if (asked === "en" || asked === "zh") { lang = asked; }
  var lastId = null, es = null, tries = 0, timer = null, watchdog = null, alerted = null;
  var busy = null, error = null, connState = null, retryIn = 0;

  function t(key, vars) {
    var text = T[lang][key] || "";
    return text.replace(/\{(\w+)\}/g, function (_, k) { return vars && vars[k] !== undefined ? vars[k] : ""; });
  }
  function show(id, text) { var el = $(id); el.textContent = text || ""; el.hidden = !text; }
  function loc(zh, en) { return lang === "en" && en ? en : zh; }
  function label(level) {
    for (var i = 0; i < LEVELS.length; i++) { if (LEVELS[i][0] === level) { return loc(LEVELS[i][1], LEVELS[i][2]); } }
    return String(level);
  }
  function alertOf(s) {
    if (s.status === "waiting" && s.ahead !== null && s.ahead < 3) { return t("near", { n: s.ahead }); }
    if (s.status === "called") { return t("go", { w: s.window }); }
    if (s.status === "booth") { return t("goBooth", { p: loc(s.place_zh, s.place_en) }); }
    return null;
  }

  function render() {
    var s = state, vars = { w: s.window, p: loc(s.place_zh, s.place_en), num: s.number };
    document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
    document.title = t("title", vars);
    $("lang").textContent = T[lang].other;
    $("hall").textContent = loc(s.hall_zh, s.hall_en);
    $("service").textContent = loc(s.service_zh, s.service_en);
    $("number").textContent = s.number;
    var st = $("status");
    st.textContent = t(s.status, vars);
    st.className = "st " + ({ called: "go", booth: "go", serving: "go", finished: "done" }[s.status] || (FINAL[s.status] || s.status === "no_show" ? "off" : ""));
    var detail = "";
    if (s.status === "waiting" && s.ahead !== null) { detail = t("ahead", { n: s.ahead }); }
    if (s.status === "expired") { detail = t("expiredDetail"); }
    if (s.status === "cancelled") { detail = t("cancelledDetail"); }
    show("detail", detail);
    show("wait", s.status === "waiting" ? loc(s.wait_zh, s.wait_en) : "");
    show("near", alertOf(s));
    show("noshow", s.status === "no_show" ? (s.max_recheckins > 0 ?
      t("noshow", { n: s.recheckin_positions, m: s.max_recheckins }) : t("noshowNone")) : "");
    var rate = s.status === "finished" && s.rating === null;
    $("rate").hidden = !rate;
    $("rateq").textContent = busy === "rating" ? t("rating") : t("rateq");
    var buttons = $("levels").children;
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].textContent = label(Number(buttons[i].value));
      buttons[i].disabled = busy === "rating";
    }
    show("thanks", s.status === "finished" && s.rating !== null ? t("thanks", { l: label(s.rating) }) : "");
    var cancel = $("cancel");
    cancel.hidden = !(s.status === "waiting" || s.status === "pending");
    cancel.disabled = busy === "cancel";
    cancel.textContent = busy === "cancel" ? t("cancelling") : t("cancel");
    show("error", error ? loc(error.message_zh, error.message_en) : "");
    show("conn", connState ? t(connState, { s: retryIn }) : "");
    var notify = $("notify");
    notify.hidden = !("Notification" in window) || Notification.permission !== "default" || !!FINAL[s.status] || s.status === "finished";
    notify.textContent = t("notify");
  }

  function apply(next) {
    if (busy === "cancel" && next.status !== state.status) { busy = null; }
    if (busy === "rating" && next.rating !== null) { busy = null; }
    state = next;
    var text = alertOf(next), key = text ? next.status + ":" + (next.window || "") : null;
    if (key && key !== alerted && !(key.indexOf("waiting") === 0 && alerted && alerted.indexOf("waiting") === 0)) { buzz(text); }
    alerted = key;
    render();
    if (FINAL[next.status] || (next.status === "finished" && next.rating !== null)) { stop(); }
  }

  function buzz(text) {
    if (navigator.vibrate) { try { navigator.vibrate([300, 150, 300]); } catch (e) { /* not allowed yet */ } }
    if ("Notification" in window && Notification.permission === "granted") {
      try { new Notification(state.number, { body: text, tag: "hallq-" + state.number }); } catch (e) { /* a phone wants a service worker */ }
    }
  }

  function stop() {
    clearTimeout(timer); clearTimeout(watchdog);
    if (es) { es.close(); es = null; }
    connState = null;
  }

  function alive() {
    clearTimeout(watchdog);
    watchdog = setTimeout(function () { if (es) { es.close(); es = null; } retry(); }, PING_S * 3000);
  }

  function retry() {
    clearTimeout(watchdog);
    retryIn = Math.round(Math.min(30, Math.pow(2, tries)) * (0.5 + Math.random() / 2)) || 1;
    tries += 1;
    connState = "reconnecting";
    render();
    timer = setTimeout(connect, retryIn * 1000);
  }

  function connect() {
    var url = base + "/events" + (lastId ? "?last=" + encodeURIComponent(lastId) : "");
    es = new EventSource(url);
    es.addEventListener("state", function (e) {
      lastId = e.lastEventId || lastId; alive(); apply(JSON.parse(e.data));
    });
    es.addEventListener("ping", alive);
    es.onopen = function () { tries = 0; if (connState) { connState = null; render(); } alive(); };
    es.onerror = function () { if (es) { es.close(); es = null; } retry(); };
  }

  function post(path, body) {
    var asked = busy;
    error = null;
    setTimeout(function () {      // central relays it to the hall: the hall may refuse it
      if (busy === asked) {
        busy = null;
        error = { message_zh: "大厅尚未确认，请稍后再试", message_en: "The hall has not confirmed it yet; please try again" };
        render();
      }
    }, 20000);
    return fetch(base + path, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {})
    }).then(function (r) {
      return r.json().then(function (j) { if (!r.ok) { throw j; } return j; });
    }).then(apply, function (e) {
      busy = null;
      error = e && e.message_zh ? e : { message_zh: "网络错误，请稍后再试", message_en: "Network error; please try again" };
      render();
    });
  }

  $("lang").addEventListener("click", function () {
    lang = lang === "en" ? "zh" : "en";
    try { localStorage.setItem("hallq.lang", lang); } catch (e) { /* private mode */ }
    render();
  });
  $("cancel").addEventListener("click", function () {
    if (!window.confirm(t("confirm", { num: state.number }))) { return; }
    busy = "cancel"; render(); post("/cancel");
  });
  $("notify").addEventListener("click", function () {
    Notification.requestPermission().then(render, render);
  });
  LEVELS.forEach(function (level) {
    var b = document.createElement("button");
    b.type = "button"; b.value = level[0];
    b.addEventListener("click", function () { busy = "rating"; render(); post("/rating", { level: level[0] }); });
    $("levels").appendChild(b);
  });
  alerted = null;
  apply(state);
  if (!FINAL[state.status] && !(state.status === "finished" && state.rating !== null)) { connect(); }
})();
