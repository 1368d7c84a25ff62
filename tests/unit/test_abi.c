/* test_abi.c: the host-guest ABI layout (glint_abi.h) field by field. */
#include "config.h"

#include <check.h>
#include <stddef.h>
#include <stdlib.h>

#include "glint_abi.h"
#include "../check_run.h"

/*
 * The guest runtime and the host read these structures from the same bytes
 * of guest memory, so every field's offset is part of the ABI: a change
 * here must come with a new GLINT_ABI_VERSION.
 */
#define ck_offset(type, field, off)                                            \
	ck_assert_uint_eq(offsetof(type, field), (off))

START_TEST(test_boot_info)
{
	ck_offset(struct glint_boot_info, magic, 0);
	ck_offset(struct glint_boot_info, abi_version, 8);
	ck_offset(struct glint_boot_info, reserved0, 12);
	ck_offset(struct glint_boot_info, mem_bytes, 16);
	ck_offset(struct glint_boot_info, heap_gpa, 24);
	ck_offset(struct glint_boot_info, heap_bytes, 32);
	ck_offset(struct glint_boot_info, stack_top, 40);
	ck_offset(struct glint_boot_info, stack_bytes, 48);
	ck_offset(struct glint_boot_info, in_gpa, 56);
	ck_offset(struct glint_boot_info, in_cap, 64);
	ck_offset(struct glint_boot_info, out_gpa, 72);
	ck_offset(struct glint_boot_info, out_cap, 80);
	ck_offset(struct glint_boot_info, reserved1, 88);
	ck_offset(struct glint_boot_info, env_gpa, 96);
	ck_offset(struct glint_boot_info, env_bytes, 104);
	ck_offset(struct glint_boot_info, secrets_gpa, 112);
	ck_offset(struct glint_boot_info, secrets_bytes, 120);
	ck_assert_uint_eq(sizeof(struct glint_boot_info), 128);
}
END_TEST

START_TEST(test_call_header)
{
	ck_offset(struct glint_call_header, call_id, 0);
	ck_offset(struct glint_call_header, in_len, 8);
	ck_offset(struct glint_call_header, seed, 16);
	ck_assert_uint_eq(sizeof(((struct glint_call_header *)0)->seed),
			  GLINT_SEED_WORDS * 8);
	ck_offset(struct glint_call_header, wall_ns, 48);
	ck_offset(struct glint_call_header, deadline_ns, 56);
	ck_assert_uint_eq(sizeof(struct glint_call_header), 64);
}
END_TEST

START_TEST(test_call_result)
{
	ck_offset(struct glint_call_result, content_type, 0);
	ck_assert_uint_eq(sizeof(((struct glint_call_result *)0)->content_type),
			  GLINT_CONTENT_TYPE_MAX);
	ck_offset(struct glint_call_result, log_len, 64);
	ck_offset(struct glint_call_result, log_dropped, 68);
	ck_offset(struct glint_call_result, status, 72);
	ck_assert_uint_eq(sizeof(struct glint_call_result), 80);
}
END_TEST

START_TEST(test_request_and_response_head)
{
	ck_offset(struct glint_request, magic, 0);
	ck_offset(struct glint_request, size, 4);
	ck_offset(struct glint_request, method, 8);
	ck_offset(struct glint_request, path_raw, 16);
	ck_offset(struct glint_request, path, 24);
	ck_offset(struct glint_request, query_raw, 32);
	ck_offset(struct glint_request, client_addr, 40);
	ck_offset(struct glint_request, scheme, 48);
	ck_offset(struct glint_request, request_id, 56);
	ck_offset(struct glint_request, body, 64);
	ck_offset(struct glint_request, client_port, 72);
	ck_offset(struct glint_request, nheaders, 76);
	ck_offset(struct glint_request, headers_off, 80);
	ck_offset(struct glint_request, nquery, 84);
	ck_offset(struct glint_request, query_off, 88);
	ck_assert_uint_eq(sizeof(struct glint_request), 96);
	ck_offset(struct glint_kv, value, 8);
	ck_offset(struct glint_response_head, bytes_used, 4);
	ck_offset(struct glint_resp_header, value_len, 4);
	/* the response head sits in the unused low range, below the image */
	ck_assert_uint_ge(GLINT_RESP_HEAD_GPA, GLINT_LOG_GPA + GLINT_LOG_BYTES);
	ck_assert_uint_le(GLINT_RESP_HEAD_GPA + GLINT_RESP_HEAD_BYTES,
			  GLINT_IMAGE_BASE);
}
END_TEST

START_TEST(test_call_page)
{
	ck_offset(struct glint_call_page, boot, GLINT_CALL_PAGE_BOOT_OFFSET);
	ck_offset(struct glint_call_page, call, GLINT_CALL_PAGE_CALL_OFFSET);
	ck_offset(struct glint_call_page, result,
		  GLINT_CALL_PAGE_RESULT_OFFSET);
	ck_assert_uint_eq(GLINT_CALL_PAGE_CALL_OFFSET,
			  sizeof(struct glint_boot_info));
	ck_assert_uint_eq(GLINT_CALL_PAGE_RESULT_OFFSET,
			  GLINT_CALL_PAGE_CALL_OFFSET +
				  sizeof(struct glint_call_header));
	ck_assert_uint_le(sizeof(struct glint_call_page), GLINT_PAGE_SIZE);
}
END_TEST

/* The fixed addresses do not overlap and sit where the map says. */
START_TEST(test_address_map)
{
	ck_assert_uint_eq(GLINT_R0_STACK_TOP,
			  GLINT_R0_STACK_GPA + GLINT_PAGE_SIZE);
	ck_assert_uint_eq(GLINT_CALL_PAGE_GPA, GLINT_R0_STACK_TOP);
	ck_assert_uint_eq(GLINT_LOG_GPA, GLINT_CALL_PAGE_GPA + GLINT_PAGE_SIZE);
	ck_assert_uint_le(GLINT_LOG_GPA + GLINT_LOG_BYTES, GLINT_IMAGE_BASE);
	ck_assert_uint_eq(GLINT_IMAGE_BASE % GLINT_PAGE_SIZE, 0);
	ck_assert_uint_le(GLINT_MEM_MAX_BYTES, GLINT_SYS_GPA);
	ck_assert_uint_le(GLINT_PORT_USER_FIRST, GLINT_PORT_READY);
	ck_assert_uint_le(GLINT_PORT_ABORT, GLINT_PORT_USER_LAST);
	ck_assert_uint_gt(GLINT_PORT_FAULT, GLINT_PORT_USER_LAST);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("abi");
	TCase *tc = tcase_create("layout");

	tcase_add_test(tc, test_boot_info);
	tcase_add_test(tc, test_call_header);
	tcase_add_test(tc, test_call_result);
	tcase_add_test(tc, test_call_page);
	tcase_add_test(tc, test_request_and_response_head);
	tcase_add_test(tc, test_address_map);
	suite_add_tcase(s, tc);
	return check_run(s);
}
