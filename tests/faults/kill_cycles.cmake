# faults.kill_cycles: 100 SIGKILLs of scoring while four clients file takes with
# retries (nothing acknowledged lost or doubled), then 25 SIGKILLs of each daemon
# while the whole workflow runs (every verdict and comparison published once);
# every restart serving again (its time printed against the 2 s target).
# kill_cycles_test.py drives both.
add_test(NAME faults.kill_cycles
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/kill_cycles_test.py
                 ${CMAKE_BINARY_DIR})
set_tests_properties(faults.kill_cycles PROPERTIES LABELS faults TIMEOUT 600)
