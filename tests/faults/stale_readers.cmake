# Stale readers: 200 SIGKILLed read-only openers of the scoring store while
# scoring accepts takes. The helper holds a read transaction until killed.
add_executable(fault_reader ${CMAKE_CURRENT_LIST_DIR}/reader.c)
target_link_libraries(fault_reader PRIVATE soscommon)
add_test(NAME faults.stale_readers
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/stale_readers_test.py
                 ${CMAKE_BINARY_DIR})
set_tests_properties(faults.stale_readers PROPERTIES TIMEOUT 120 LABELS faults)
