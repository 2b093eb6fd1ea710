"""Integration tests: real pytest runs of small inner projects through the pytester fixture."""
