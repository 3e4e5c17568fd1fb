# faults.retry: one signed take request frame sent 1,000 times gets 1,000
# identical OK answers and makes one record; the take id with other content
# is refused CONFLICT. retry.c sends, retry_test.py sets up the cluster.
add_executable(retry ${CMAKE_CURRENT_LIST_DIR}/retry.c)
target_link_libraries(retry PRIVATE sosclnt)
add_test(NAME faults.retry
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/retry_test.py
                 ${CMAKE_BINARY_DIR})
set_tests_properties(faults.retry PROPERTIES TIMEOUT 600 LABELS faults)
