"""nqpf.analysis"""
