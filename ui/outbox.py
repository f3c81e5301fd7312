"""The Deliveries tab: the selected incident's outbox — one row per channel and
recipient of every published update, its state, attempts, next try and last
error; the selected delivery's subject, receipt and failover source; Retry and
Cancel.

Built the first time the tab is shown (see MainWindow.show_deliveries); an
incident's deliveries are few (a row per channel and recipient per update), so
they are read whole and the countdowns tick in the model."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from warroom.errors import WarroomError
from warroom.text.durations import duration_text
from warroom.text.timefmt import TimeFormatter
from ui.common import palette
from ui.common.access import describe, label_for
from ui.common.palette import Tone
from ui.common.tables import Column, RowTableModel, fixed_rows
from ui.qt import (
    plain_tip,
    QColor,
    QComboBox,
    QFont,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QModelIndex,
    QPushButton,
    QShortcut,
    QSplitter,
    Qt,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.i18n import N_, ngettext, tr as _

if TYPE_CHECKING:
    from warroom.clock import Clock
    from warroom.services.outbox import DeliveryView
    from warroom.store import Store
    from ui.ops import Operations

STATE_LABELS = {
    "queued": N_("queued"),
    "delivered": N_("delivered"),
    "failed": N_("failed"),
    "cancelled": N_("cancelled"),
    "failed_over": N_("failed over"),
    "simulated": N_("would have been sent"),
}
#: The filter above the table: label -> states shown (None: all).
FILTERS = (
    (N_("All deliveries"), None),
    (N_("Needs attention (queued or failed)"), ("queued", "failed")),
    (N_("Failed"), ("failed",)),
    (N_("Queued"), ("queued",)),
    (N_("Delivered"), ("delivered",)),
    (N_("Exercise: would have been sent"), ("simulated",)),
    (N_("Cancelled or failed over"), ("cancelled", "failed_over")),
)


def state_text(d: DeliveryView) -> str:
    """The state in a word or two; how many attempts were made is the Tries column's
    (the state never counts attempts of its own, so the two cannot disagree)."""
    if d.state == "queued":
        if d.leased:
            return _("sending…")
        return _("retrying") if d.attempts else _("queued")
    return _(STATE_LABELS[d.state]) if d.state in STATE_LABELS else d.state.replace("_", " ")


def attention(d: DeliveryView) -> int:
    """Where a delivery comes in the table: failed first, then retrying, then the rest."""
    if d.state == "failed":
        return 0
    if d.state == "queued" and d.attempts:
        return 1
    return 2


def ordered(rows: list[DeliveryView]) -> list[DeliveryView]:
    """Failures first (failed, then retrying, then the rest), each group newest first."""
    return sorted(rows, key=lambda d: (attention(d), -d.created_at.timestamp(), str(d.id)))


def state_tone(d: DeliveryView) -> Tone | None:
    """The State column's tone: a plain queued delivery has none."""
    if d.state == "queued":
        if d.leased:
            return palette.DELIVERY_STATES["sending"]
        return palette.CHANNEL_STATES["retrying"] if d.attempts else None
    if d.state == "simulated":
        return Tone.TEAL
    return palette.state_tone(d.state)


def target_text(d: DeliveryView) -> str:
    if d.recipient and d.address:
        return f"{d.recipient} <{d.address}>"
    return d.address or d.recipient or _("whole channel")




def _bold() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


def _italic() -> QFont:
    font = QFont()
    font.setItalic(True)
    return font


class DeliveryModel(RowTableModel):
    """One incident's deliveries, in the order given (see :func:`ordered`). Texts are made when rows are set;
    only the countdown to the next attempt is computed as it is shown."""

    STATE, CHANNEL, AUDIENCE, TO, TRIES, NEXT, ERROR, DELIVERED = range(8)

    def __init__(self, clock: Clock, local: TimeFormatter, parent=None) -> None:
        self.clock = clock
        self.local = local
        bold, italic = _bold(), _italic()
        # The theme's colours, asked for at each paint (a theme switch repaints in the new ones).
        def muted(_d=None) -> QColor:
            return palette.color(Tone.MUTED)

        def state_color(d: DeliveryView) -> QColor | None:
            tone = state_tone(d)
            return None if tone is None else palette.color(tone)

        def faded(d: DeliveryView) -> QColor | None:
            """Cancelled and failed-over deliveries read quietly."""
            return muted() if d.state in ("cancelled", "failed_over") else None

        def about(d: DeliveryView) -> str:
            return plain_tip(f"{d.subject}\n{d.channel} → {target_text(d)}")

        def state_tip(d: DeliveryView) -> str:
            if d.state == "queued" and d.attempts and not d.leased:
                return ngettext("{count} attempt failed; attempt {next} is {when}",
                                "{count} attempts failed; attempt {next} is {when}", d.attempts).format(
                    count=d.attempts, next=d.attempts + 1, when=self.next_text(d))
            if d.state == "simulated":
                return _("An exercise incident: nothing left this machine; the detail shows what would have been sent.")
            return about(d)

        columns = [
            Column(_("State"), state_text, color=state_color, tip=state_tip,
                   font=lambda d: bold if d.state == "failed" else italic if d.state == "simulated" else None),
            Column(_("Channel"), lambda d: d.channel, color=faded, tip=about),
            Column(_("Audience"), lambda d: d.audience, color=faded, tip=about),
            Column(_("To"), target_text, tip=about,
                   header_tip=_("The stakeholder and address, or the whole channel (Slack, Teams, a status page)"),
                   color=lambda d: muted() if not (d.recipient or d.address) else faded(d)),
            Column(_("Tries"), lambda d: str(d.attempts), header_tip=_("Attempts made so far"), right=True,
                   color=faded, tip=about, sort=lambda d: d.attempts),
            Column(_("Next attempt"), lambda d: "", color=faded,
                   header_tip=_("When a queued delivery is tried next (back-off, the vendor's Retry-After, "
                              "an open breaker)"),
                   tip=lambda d: _("Next attempt {when}").format(
                       when=self.local.full(d.next_attempt_at)) if d.state == "queued"
                   else about(d)),
            Column(_("Last error"), lambda d: (d.last_error or "").replace("\n", " "),
                   color=lambda d: palette.color(Tone.BAD) if d.state == "failed" else muted(),
                   # a vendor's words: an error page may be HTML
                   tip=lambda d: plain_tip(d.last_error) if d.last_error else about(d)),
            Column(_("Delivered"), lambda d: self.local.stamp(d.delivered_at) if d.delivered_at else "",
                   color=faded, tip=lambda d: self.local.full(d.delivered_at) if d.delivered_at else about(d)),
        ]
        super().__init__(columns, parent, key=lambda d: d.id)

    @property
    def COLUMNS(self) -> tuple[str, ...]:  # noqa: N802 (the column titles, as the other models name them)
        return tuple(c.title for c in self.columns)

    def set_rows(self, rows, columns=None) -> None:
        """The same deliveries again (states moved on) are updated in place: the
        selection and the scroll position stay."""
        if columns is None and self.update_rows(rows):
            return
        super().set_rows(rows, columns)

    def delivery(self, row: int) -> DeliveryView | None:
        return self.row(row)

    def by_id(self, delivery_id: uuid.UUID) -> DeliveryView | None:
        row = self.row_of(delivery_id)
        return None if row is None else self.row(row)

    def next_text(self, d: DeliveryView) -> str:
        if d.state != "queued":
            return ""
        if d.leased:
            return _("now")
        left = d.next_attempt_at - self.clock.now()
        seconds = left.total_seconds()
        if seconds <= 0:
            return _("due now")
        if seconds < 3600:
            return _("in {left}").format(left=duration_text(left, "clock"))
        return self.local.stamp(d.next_attempt_at)

    def tick(self) -> None:
        """Time moved on: the countdowns change."""
        self.refresh_column(self.NEXT, [Qt.ItemDataRole.DisplayRole])

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and index.isValid() and index.column() == self.NEXT:
            d = self.row(index.row())
            return None if d is None else self.next_text(d)
        return super().data(index, role)


def fit_columns(table: QTableView, local: TimeFormatter) -> None:
    """Columns that fit a laptop's width: the short ones as wide as their longest
    usual text, "To" and "Last error" share what is left (elided, the whole text in
    the tooltip); nothing scrolls sideways."""
    from datetime import datetime, timezone

    metrics = table.fontMetrics()
    header = table.horizontalHeader()
    pad = 18

    def width(*texts: str) -> int:
        return max(metrics.horizontalAdvance(t) for t in texts) + pad

    stamp = local.stamp(datetime(2026, 12, 28, 23, 58, 59, tzinfo=timezone.utc))
    widths = {
        DeliveryModel.STATE: width(_("retrying"), _("failed over"), _("sending…"), _("State")),
        DeliveryModel.CHANNEL: width("status-page", _("Channel")),
        DeliveryModel.AUDIENCE: width("employees", _("Audience")),
        DeliveryModel.TRIES: width(_("Tries"), "10"),
        DeliveryModel.NEXT: width(_("Next attempt"), _("in {left}").format(left="59:59")),
        DeliveryModel.DELIVERED: width(stamp, _("Delivered")),
    }
    header.setMinimumSectionSize(36)
    header.setStretchLastSection(False)
    for col, w in widths.items():
        header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
        table.setColumnWidth(col, w)
    for col in (DeliveryModel.TO, DeliveryModel.ERROR):
        header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)


class DeliveriesView(QWidget):
    """The selected incident's deliveries (the "Deliveries" tab)."""

    #: A retry or cancel was written: the dispatcher and the status bar should look.
    changed = Signal()

    def __init__(self, store: Store, actor: str | Callable[[], str], ops: Operations,
                 local: TimeFormatter, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("deliveries")
        self.store, self.ops, self.local = store, ops, local
        self._actor = actor
        self.incident_id: uuid.UUID | None = None
        self.incident_ref = ""
        self._all: list[DeliveryView] = []
        self._shown: DeliveryView | None = None

        self.title = QLabel()
        self.title.setObjectName("deliveriesTitle")
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.filter = QComboBox()
        self.filter.setObjectName("deliveryFilter")
        for label, states in FILTERS:
            self.filter.addItem(_(label), states)
        self.filter.currentIndexChanged.connect(lambda _i: self._show_rows())
        describe(self.filter, None, _("Which deliveries the table shows"))

        self.model = DeliveryModel(store.clock, local, self)
        self.table = QTableView()
        self.table.setObjectName("deliveryTable")
        self.table.setModel(self.model)
        fixed_rows(self.table)
        fit_columns(self.table, local)
        self.table.selectionModel().currentRowChanged.connect(self._chosen)
        describe(self.table, _("Deliveries"), _("One row per channel and recipient of each published update: "
                                                "choose one for its details"))

        self.hint = QLabel()
        self.hint.setObjectName("deliveriesHint")
        self.hint.setTextFormat(Qt.TextFormat.RichText)
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        palette.keep(self.hint, lambda p: f"color:{palette.hex_color(Tone.MUTED, p)}; padding:18px;")
        self.hint.hide()

        self.detail = QTextBrowser()
        self.detail.setObjectName("deliveryDetail")
        self.detail.setOpenLinks(False)
        self.detail.anchorClicked.connect(self._anchor)
        describe(self.detail, _("Delivery details"), _("The chosen delivery's subject, receipt and failover source"))

        self.retry_button = QPushButton(_("&Retry (Ctrl+Enter)"))
        self.retry_button.setObjectName("retryDelivery")
        self.retry_button.setToolTip(_("Queue a failed or cancelled delivery again, due now"))
        self.cancel_button = QPushButton(_("Ca&ncel delivery (Del)"))
        self.cancel_button.setObjectName("cancelDelivery")
        self.cancel_button.setToolTip(_("Stop a queued delivery from going out"))
        for b in (self.retry_button, self.cancel_button):
            b.setAutoDefault(False)
        self.retry_button.clicked.connect(self.retry_selected)
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.message = QLabel()
        self.message.setObjectName("deliveriesMessage")
        self.message.setWordWrap(True)

        self.retry_shortcut = QShortcut(QKeySequence("Ctrl+Return"), self,
                                        context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.retry_shortcut.activated.connect(self.retry_selected)
        self.retry_shortcut2 = QShortcut(QKeySequence("Ctrl+Enter"), self,
                                         context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.retry_shortcut2.activated.connect(self.retry_selected)
        self.cancel_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Delete), self.table,
                                         context=Qt.ShortcutContext.WidgetShortcut)
        self.cancel_shortcut.activated.connect(self.cancel_selected)

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(label_for(self.filter, _("&Show:")))
        top.addWidget(self.filter)
        table_page = QWidget()
        tl = QVBoxLayout(table_page)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.hint)
        tl.addWidget(self.table, 1)
        self._table_layout = tl
        detail_page = QWidget()
        dl = QVBoxLayout(detail_page)
        dl.setContentsMargins(0, 0, 0, 0)
        dl.addWidget(self.detail, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.message, 1)
        dl.addLayout(buttons)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("deliveriesSplitter")
        self.splitter.addWidget(table_page)
        self.splitter.addWidget(detail_page)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([380, 240])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)
        self._show(None)

    @property
    def actor(self) -> str:
        return self._actor() if callable(self._actor) else self._actor

    # -- loading -------------------------------------------------------------------

    def show_incident(self, incident_id: uuid.UUID | None, ref: str = "") -> None:
        if incident_id != self.incident_id:
            self.message.setText("")
        self.incident_id = incident_id
        self.incident_ref = ref
        self.reload()

    def reload(self) -> None:
        """Read the incident's deliveries again; the selection stays on its delivery."""
        if self.incident_id is None:
            self._all = []
        else:
            from warroom.services import outbox

            self._all = outbox.list_deliveries(self.store, viewer=self.actor, incident_id=self.incident_id)
        self._show_rows()

    def set_filter(self, states: tuple[str, ...] | None) -> None:
        for i in range(self.filter.count()):
            if self.filter.itemData(i) == states:
                self.filter.setCurrentIndex(i)
                return

    def _show_rows(self) -> None:
        keep = self.selected()
        states = self.filter.currentData()
        rows = ordered([d for d in self._all if states is None or d.state in states])
        self.model.set_rows(rows)
        self._summarise(rows)
        row = self.model.row_of(keep.id) if keep is not None else None
        if row is None and rows:
            row = 0  # what needs attention most (the order puts it first), else the newest
        if row is not None:
            index = self.model.index(row, 0)
            if self.table.currentIndex().row() != row:
                self.table.setCurrentIndex(index)
            else:
                self._show(self.model.delivery(row))
        else:
            self._show(None)

    def _summarise(self, shown: list[DeliveryView]) -> None:
        total = len(self._all)
        counts: dict[str, int] = {}
        for d in self._all:
            counts[d.state] = counts.get(d.state, 0) + 1
        ref = f"<b>{self.incident_ref}</b> · " if self.incident_ref else ""
        if total == 0:
            self.title.setText(ref + _("no deliveries"))
        else:
            order = ("failed", "queued", "delivered", "simulated", "failed_over", "cancelled")
            bits = []
            for state in order:
                if counts.get(state):
                    label = _(STATE_LABELS[state]) if state != "simulated" else _("exercise (not sent)")
                    text = f"{counts[state]} {label}"
                    if state == "failed":
                        text = palette.span(Tone.BAD, text, bold=True)
                    bits.append(text)
            shown_text = _(" · showing {count}").format(count=len(shown)) if len(shown) != total else ""
            self.title.setText(ref + ngettext("{total} delivery: {states}", "{total} deliveries: {states}", total).format(
                total=total, states=" · ".join(bits)) + shown_text)
        self.table.setVisible(bool(shown))
        self._table_layout.setStretchFactor(self.hint, 0 if shown else 1)
        if self.incident_id is None:
            self.hint.setText(_("Choose an incident to see its deliveries."))
            self.hint.show()
        elif total == 0:
            self.hint.setText(_("<b>Nothing sent for this incident yet.</b><br>Publishing an update queues one "
                                "delivery "
                              "per channel and recipient that the stakeholder matrix names for its audience and "
                              "severity (View › Stakeholder matrix…, Ctrl+Shift+M)."))
            self.hint.show()
        elif not shown:
            self.hint.setText(_("No delivery is {shown}. Choose “All deliveries” above.").format(
                shown=self.filter.currentText().lower()))
            self.hint.show()
        else:
            self.hint.hide()

    def tick(self) -> None:
        self.model.tick()

    # -- the selected delivery ---------------------------------------------------

    def selected(self) -> DeliveryView | None:
        index = self.table.currentIndex()
        return self.model.delivery(index.row()) if index.isValid() else None

    def select(self, delivery_id: uuid.UUID) -> bool:
        row = self.model.row_of(delivery_id)
        if row is None:
            self.filter.setCurrentIndex(0)
            row = self.model.row_of(delivery_id)
        if row is None:
            return False
        self.table.setCurrentIndex(self.model.index(row, 0))
        return True

    def _chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show(self.model.delivery(current.row()) if current.isValid() else None)

    def _show(self, d: DeliveryView | None) -> None:
        self.retry_button.setEnabled(d is not None and d.state in ("failed", "cancelled"))
        self.cancel_button.setEnabled(d is not None and d.state == "queued" and not d.leased)
        if d is not None and d == self._shown:
            return  # unchanged: the reader keeps their place in a long receipt
        self._shown = d
        self.detail.setHtml("" if d is None else self._detail_html(d))

    def _detail_html(self, d: DeliveryView) -> str:
        import html

        esc = html.escape
        rows: list[tuple[str, str]] = [
            (_("Subject"), f"<b>{esc(d.subject or _('(no subject)'))}</b>"),
            (_("State"), esc(state_text(d)) + (_(" since {when}").format(when=esc(self.local.full(d.delivered_at)))
                                               if d.delivered_at else "")),
            (_("Channel"), f"{esc(d.channel)} ({esc(d.kind)}) → {esc(target_text(d))}"),
            (_("Audience"), esc(d.audience)),
            (_("Attempts"), str(d.attempts)),
            (_("Queued"), _("{when} ({ago} ago)").format(when=esc(self.local.full(d.created_at)),
                                                         ago=duration_text(self.store.clock.now() - d.created_at))),
        ]
        if d.state == "queued":
            rows.append((_("Next attempt"),
                         f"{esc(self.model.next_text(d))} ({esc(self.local.full(d.next_attempt_at))})"))
            channel = self._channel(d.channel)
            if channel is not None and channel.state != "ok":
                why = {"down": _("{channel} is down: its breaker is open, and only a probe goes out after each "
                                 "cool-down (a long outage fails over to the route's next channel)"),
                       "retrying": _("{channel} is failing: attempts back off"),
                       "disabled": _("{channel} is disabled: nothing goes out through it until it is enabled again "
                                     "(View › Channels…)")}.get(channel.state, "{channel} " + channel.state)
                rows.append((_("Channel state"), palette.span(Tone.BAD, esc(why.format(channel=d.channel)))))
        if d.last_error:
            rows.append((_("Last error"), palette.span(Tone.BAD, esc(d.last_error))))
        if d.failover_from:
            source = self.model.by_id(d.failover_from) or next((r for r in self._all if r.id == d.failover_from), None)
            if source is not None:
                rows.append((_("Failed over from"), f"<a href='delivery:{source.id}'>{esc(source.channel)} → "
                                                 f"{esc(target_text(source))}</a> ({esc(state_text(source))})"))
            else:
                rows.append((_("Failed over from"), _("delivery {id}").format(id=d.failover_from.hex[:10])))
        went_on = [r for r in self._all if r.failover_from == d.id]
        if went_on:
            rows.append((_("Failed over to"), ", ".join(
                f"<a href='delivery:{r.id}'>{esc(r.channel)} → {esc(target_text(r))}</a>" for r in went_on[:5])
                + (" …" if len(went_on) > 5 else "")))
        rows.append((_("Delivery id"), _("{id} (the idempotency key)").format(id=f"<code>{d.id}</code>")))
        muted = palette.hex_color(Tone.MUTED, self.palette())
        body = "".join(f"<tr><td style='color:{muted}; padding-right:12px'>{k}</td><td>{v}</td></tr>" for k, v in rows)
        out = f"<table>{body}</table>"
        if d.receipt:
            receipt = dict(d.receipt)
            payload = receipt.pop("payload", None)
            if d.state == "simulated" or receipt.get("simulated"):
                out += "<p>" + _("<b>Exercise:</b> nothing left this machine. This is what would have been sent to "
                                 "{channel}:").format(channel=esc(d.channel)) + "</p>"
                receipt.pop("simulated", None)
                receipt.pop("channel", None)
            elif receipt:
                out += "<p><b>" + _("Receipt") + "</b></p>"
            if receipt:
                out += f"<pre>{esc(json.dumps(receipt, indent=2, ensure_ascii=False, default=str))}</pre>"
            if payload is not None:
                out += f"<pre>{esc(json.dumps(payload, indent=2, ensure_ascii=False, default=str)[:20000])}</pre>"
        return out

    def _channel(self, name: str):
        from warroom.errors import NotFound
        from warroom.services import channels

        try:
            return channels.get(self.store, name)
        except NotFound:
            return None

    def _anchor(self, url) -> None:
        text = url.toString()
        if text.startswith("delivery:"):
            try:
                self.select(uuid.UUID(text.split(":", 1)[1]))
            except ValueError:
                pass

    # -- retry and cancel ------------------------------------------------------

    def retry_selected(self) -> None:
        d = self.selected()
        if d is None:
            return
        if d.state not in ("failed", "cancelled"):
            self._say(_("This delivery is {state}: only a failed or cancelled one is retried.").format(
                state=state_text(d)))
            return
        self._write("retry", d, _("Queued again: {channel} → {target} goes out with the next pass.").format(
            channel=d.channel, target=target_text(d)))

    def cancel_selected(self) -> None:
        d = self.selected()
        if d is None:
            return
        if d.state != "queued":
            self._say(_("This delivery is {state}: only a queued one can be cancelled.").format(
                state=state_text(d)))
            return
        self._write("cancel", d, _("Cancelled: {channel} → {target} will not be sent (Retry queues it again).").format(
            channel=d.channel, target=target_text(d)))

    def _write(self, what: str, d: DeliveryView, done_text: str) -> None:
        from warroom.services import outbox

        store, actor, delivery_id = self.store, self.actor, d.id
        call = outbox.retry if what == "retry" else outbox.cancel
        self.retry_button.setEnabled(False)
        self.cancel_button.setEnabled(False)

        def done(_view) -> None:
            self.reload()
            self.select(delivery_id)
            self._say(done_text, error=False)
            self.changed.emit()

        def failed(error: BaseException) -> None:
            self.reload()
            if isinstance(error, WarroomError):
                self._say(str(error))
            else:
                self.ops.default_error(error)

        self.ops.write(lambda: call(store, actor, delivery_id), done, failed)

    def _say(self, text: str, error: bool = True) -> None:
        self.message.setStyleSheet(palette.error_style() if error else palette.good_style())
        self.message.setText(text)
