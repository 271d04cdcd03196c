from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "k0.bench"
    label = "bench"
    verbose_name = "Benchmark"
