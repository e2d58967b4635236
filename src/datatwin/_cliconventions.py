"""Command-line conventions on top of typer, in one place: ``-h`` as well as ``--help``,
flags shown without a value type (``--quiet``, not ``--quiet <bool>``: a flag takes no
value), and arguments named in capitals in the usage line (``datatwin fit [OPTIONS] DATA``).

>>> from typer.testing import CliRunner
>>> from datatwin.cli import app
>>> CliRunner().invoke(app, ["fit", "-h"]).output.split("Usage: ")[1].split()[:4]
['datatwin', 'fit', '[OPTIONS]', 'DATA']
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

#: for ``typer.Typer(context_settings=...)``: subcommands inherit it
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


class _PlainFlags:
    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""  # typer's rich help would show the flag's type, "<bool>"
        return params


class Command(_PlainFlags, TyperCommand):
    """A command whose usage line names its arguments as their metavar or in capitals."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = param.metavar or param.name.upper()
                pieces.append(name if param.required else f"[{name}]")
        return pieces


class Group(_PlainFlags, TyperGroup):
    """The top-level group: plain flags as well."""


class App(typer.Typer):
    """typer.Typer whose commands are :class:`Command` unless told otherwise."""

    def command(self, *args: Any, cls: Any = None, **kwargs: Any) -> Any:
        return super().command(*args, cls=cls or Command, **kwargs)
