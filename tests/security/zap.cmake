# security.zap: the CURVE door (ZAP handler, access list, fail closed, key
# kinds) over real loopback tcp sockets.
add_executable(test_security_zap ${CMAKE_CURRENT_SOURCE_DIR}/zap_test.c)
target_link_libraries(test_security_zap PRIVATE sostestutil)
add_test(NAME security.zap COMMAND test_security_zap)
set_tests_properties(security.zap PROPERTIES LABELS security TIMEOUT 120)
