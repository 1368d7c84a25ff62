# daemon/fetch/local.mk: the outbound HTTP client (libcurl multi on libuv)
# and its allow-list, linkable as $(FETCH_LIBS).
noinst_LIBRARIES += daemon/fetch/libglintfetch.a
daemon_fetch_libglintfetch_a_SOURCES = \
	daemon/fetch/fetch.c daemon/fetch/fetch.h \
	daemon/fetch/fetch_internal.h daemon/fetch/fetch_op.c \
	daemon/fetch/fetch_policy.c daemon/fetch/fetch_policy.h
FETCH_CPPFLAGS = -I$(top_srcdir)/daemon/fetch $(UV_CFLAGS) $(CURL_CFLAGS)
FETCH_LIBS = daemon/fetch/libglintfetch.a $(UV_LIBS) $(CURL_LIBS)
daemon_fetch_libglintfetch_a_CPPFLAGS = $(AM_CPPFLAGS) $(FETCH_CPPFLAGS)
