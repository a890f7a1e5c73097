"""nqpf.data"""
