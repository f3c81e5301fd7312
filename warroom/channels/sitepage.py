"""The self-hosted status page as a channel: "sending" rebuilds the folder from
everything published to it (warroom.services.site) and runs the upload command.
The fallback when the vendor's status page is down."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from warroom.channels.base import ChannelError, Field, Message, Recipient, SendContext, check_web_url, marked
from warroom.errors import InputError

KIND = "sitepage"
LABEL = "Self-hosted status page (a folder, uploaded by your command)"
SECRET = None
FIELDS = {
    "out_dir": Field(True, None, "the folder the page is written to"),
    "upload_command": Field(False, "", "run after writing, e.g. rsync -a . host:/var/www/status (no shell)"),
    "url": Field(False, "", "the page's public address"),
    "name": Field(False, "", "the page's title (default: the organisation's name)"),
    "components": Field(False, "", "components always listed, comma-separated"),
}
RATE = 1.0
BURST = 5
RECIPIENT = None
IDEMPOTENT = True   # rebuilding the folder twice gives the same folder


def validate_config(config: dict[str, Any] | None) -> dict[str, Any]:
    config = dict(config or {})
    unknown = set(config) - set(FIELDS) - {"rate_per_s", "page_id", "time_zone", "upload_timeout_s"}
    if config.get("rate_per_s") in ("", None):
        config.pop("rate_per_s", None)
    if unknown:
        raise InputError(f"A self-hosted page has no setting {', '.join(sorted(unknown))}; "
                         f"known: {', '.join(FIELDS)}.")
    out = str(config.get("out_dir") or "").strip()
    if not out:
        raise InputError("A self-hosted page needs out_dir: the folder to write it to.", field="out_dir")
    path = Path(out).expanduser()
    if path.exists() and not path.is_dir():
        raise InputError(f"out_dir {out!r} is a file, not a folder.", field="out_dir")
    config["out_dir"] = str(path.resolve())
    for key in ("upload_command", "url", "name", "components"):
        config[key] = str(config.get(key) or "").strip()
    if config["url"]:
        config["url"] = check_web_url(LABEL, "url", config["url"])
    return config


def render(message: Message, recipient: Recipient | None, config: dict[str, Any],
           previous: dict | None = None) -> dict[str, Any]:
    return {"incident": message.incident_ref, "status": message.statuspage_status,
            "subject": marked(message, message.subject), "out_dir": config["out_dir"]}


def send(payload: dict[str, Any], ctx: SendContext) -> dict[str, Any]:
    if ctx.hook is None:
        raise ChannelError("the self-hosted page can only be built with the store at hand", transient=False)
    try:
        return ctx.hook(ctx)
    except InputError as exc:
        raise ChannelError(str(exc), transient=True) from None
    except OSError as exc:
        raise ChannelError(f"could not write the page to {ctx.config.get('out_dir')}: {exc.strerror or exc}",
                           transient=True) from None


def test(ctx: SendContext) -> str:
    receipt = send({}, ctx)
    done = f"wrote {receipt['files']} files to {receipt['out_dir']}"
    return done + (" and ran the upload command" if receipt.get("uploaded") else "")
