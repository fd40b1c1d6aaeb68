# The lock the test holds to keep 0002_wait_for_the_test waiting.
TEST_GATE_LOCK = 4242
