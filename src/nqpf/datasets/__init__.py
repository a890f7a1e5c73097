"""nqpf.datasets"""
