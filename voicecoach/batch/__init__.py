"""Scoring folders of recorded answers on processes or a Dask cluster."""
