"""System metrics of a run: a background sampler (``sampler.py``) over probes of the host
(``probes.py``, psutil) and of NVIDIA GPUs (``gpu.py``, NVML), on their own time axis."""
