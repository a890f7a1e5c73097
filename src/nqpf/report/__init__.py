"""nqpf.report"""
