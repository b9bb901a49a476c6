# The PostgreSQL server fixture and fresh-database setup shared by the store tests.
target_sources(test_store PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/store/store_fixture.cpp)
