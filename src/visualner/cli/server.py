"""``visualner serve`` and ``visualner worker``."""

from __future__ import annotations

import os
import signal
import threading
from typing import Annotated

import typer
import uvicorn

from visualner.app import create_app, prepare_installation
from visualner.cli.common import configure_logging, load_settings, reports_errors
from visualner.runtime import build_services


@reports_errors
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Server processes (one per core serves most).")
    ] = 1,
    log_level: Annotated[str, typer.Option(help="debug, info, warning")] = "info",
) -> None:
    """Run the web app, the API and (by default) background workers."""
    configure_logging(log_level)
    settings = load_settings()
    if host:
        settings.host = host
    if port:
        settings.port = port

    def announce(created: tuple[str, str] | None) -> None:
        url = f"http://{settings.host}:{settings.port}"
        typer.secho(f"visualner is starting on {url}", fg=typer.colors.GREEN)
        if created:
            username, password = created
            typer.secho(
                f"First start: created the admin account\n  username: {username}\n"
                f"  password: {password}\n"
                "Change it on the Account page (/account) after logging in.",
                fg=typer.colors.YELLOW,
            )

    if workers > 1:
        # Migrate and create the first admin once, here, before the processes start.
        services = build_services(settings)
        announce(prepare_installation(services))
        services.database.dispose()
        os.environ["VISUALNER_HOST"] = settings.host
        os.environ["VISUALNER_PORT"] = str(settings.port)
        uvicorn.run(
            "visualner.app:app_from_environment",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=workers,
            log_level=log_level.lower(),
        )
        return
    app = create_app(settings, on_ready=announce)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=log_level.lower())


@reports_errors
def worker(
    threads: Annotated[int | None, typer.Option(help="Consumer threads in this process.")] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning")] = "info",
) -> None:
    """Run extra background workers (on this or another machine sharing the database,
    the data directory and a Redis queue: VISUALNER_QUEUE_URL=redis://...)."""
    configure_logging(log_level)
    settings = load_settings()
    services = build_services(settings)
    prepare_installation(services)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    services.queue.start_consumer(workers=threads or settings.worker_threads)
    typer.echo(f"worker running with {threads or settings.worker_threads} threads; Ctrl+C stops")
    stop.wait()
    services.close()
