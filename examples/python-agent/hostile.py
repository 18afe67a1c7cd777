#!/usr/bin/env python3
"""Misbehaves on purpose, by input mode: the lab's process-level failures (docs/command-subjects.md)."""
import json
import os
import signal
import subprocess
import sys
import time

mode = json.load(sys.stdin)["mode"]
if mode == "ok":
    print(json.dumps({"status": "ok"}))
elif mode == "crash":
    print("Traceback (most recent call last):\nRuntimeError: boom", file=sys.stderr)
    sys.exit(3)
elif mode == "not-json":
    print("I am done!")
elif mode == "signal":
    os.kill(os.getpid(), signal.SIGTERM)
elif mode == "hang":
    # A child in the same process group, and its pid for the test that checks it is gone.
    child = subprocess.Popen(["sleep", "600"])
    print(f"pids {os.getpid()} {child.pid}", file=sys.stderr, flush=True)
    with open(os.environ.get("HOSTILE_PID_FILE", "/dev/null"), "w") as f:
        f.write(f"{os.getpid()} {child.pid}")
    time.sleep(600)
