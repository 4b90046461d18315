"""A virtual microphone: a private PulseAudio daemon with a null sink whose monitor is the
default source (recipe: PulseAudio null sink + ALSA pulse plugin, as measured on these
machines). Playing a file into the sink "speaks" into the microphone."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path


class VirtualMic:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="vmic-"))
        (self.dir / "xdg" / "pulse").mkdir(parents=True)
        (self.dir / "state").mkdir()
        self.env = {
            **os.environ,
            "XDG_RUNTIME_DIR": str(self.dir / "xdg"),
            "PULSE_RUNTIME_PATH": str(self.dir / "xdg" / "pulse"),
            "PULSE_STATE_PATH": str(self.dir / "state"),
            "PULSE_SERVER": f"unix:{self.dir / 'pulse.sock'}",
            "PULSE_COOKIE": str(self.dir / "cookie"),
        }
        self.procs: list[subprocess.Popen] = []

    def start(self) -> VirtualMic:
        from tests.conftest import require

        require("pulseaudio", "apt-get install pulseaudio pulseaudio-utils libasound2-plugins")
        daemon = subprocess.Popen(
            [
                "pulseaudio", "--daemonize=no", "-n", "--exit-idle-time=-1", "--use-pid-file=no",
                "-L", "module-native-protocol-unix auth-anonymous=1 auth-cookie-enabled=0 "
                    f"socket={self.dir / 'pulse.sock'}",
                "-L", "module-null-sink sink_name=vspk",
            ],
            env={**self.env, "HOME": str(self.dir)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.procs.append(daemon)
        for _ in range(100):
            if subprocess.run(["pactl", "info"], env=self.env, capture_output=True).returncode == 0:
                break
            time.sleep(0.05)
        else:
            self.stop()
            raise RuntimeError("the PulseAudio daemon did not start")
        self._pactl("set-default-sink", "vspk")
        self._pactl("set-default-source", "vspk.monitor")
        # an idle null sink renders in ~2 s blocks; a permanent silent stream keeps it live
        keep = subprocess.Popen(
            ["pacat", "--playback", "--device=vspk", "--latency-msec=20", "--raw", "--format=s16le", "--rate=16000",
             "--channels=1", "/dev/zero"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.procs.append(keep)
        time.sleep(0.2)
        self._pactl("suspend-sink", "vspk", "1")
        self._pactl("suspend-sink", "vspk", "0")
        self._warm_up()  # one recording client first: a fresh daemon's first clients connect the slowest
        return self

    def _warm_up(self) -> None:
        rec = subprocess.Popen(
            ["parecord", "--device=vspk.monitor", "--raw", "/dev/null"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(0.3)
        rec.terminate()
        rec.wait(timeout=5)

    def _pactl(self, *args: str) -> None:
        subprocess.run(["pactl", *args], env=self.env, check=True, capture_output=True)

    def play(self, wav: Path) -> subprocess.Popen:
        """Start speaking ``wav`` into the microphone; returns the player process."""
        return subprocess.Popen(["paplay", "--device=vspk", str(wav)], env=self.env)

    def stop(self) -> None:
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def practice_process(mic: VirtualMic, data: Path, *args: str, cwd: Path | None = None, **kw) -> subprocess.Popen:
    """``voicecoach practice --data-dir DATA ARGS`` recording from ``mic``, without a
    terminal (stdin at end of input, output piped)."""
    import sys

    from tests.helpers import sigint_as_in_a_terminal

    return subprocess.Popen(
        [sys.executable, "-m", "voicecoach", "practice", "--data-dir", str(data), *args],
        env=mic.env,
        cwd=cwd or Path(__file__).resolve().parent.parent,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=sigint_as_in_a_terminal,
        **kw,
    )
