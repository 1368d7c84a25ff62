/* image.c: validation of guest images (static x86-64 ELF built with the SDK). */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "glint_abi.h"
#include "image.h"

#define PAGE_MASK (GLINT_PAGE_SIZE - 1)

/* A PT_LOAD segment while parsing, with its program header index so that
 * messages name the segment the way `readelf -l` numbers it. */
struct load {
	struct image_segment seg;
	unsigned phdr_index;
};

struct parse {
	const uint8_t *buf;
	size_t len;
	Elf64_Ehdr eh;
	char *err;
	size_t err_len;
};

static int fail(struct parse *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	if (p->err && p->err_len > 0) {
		va_start(ap, fmt);
		vsnprintf(p->err, p->err_len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* True when [off, off + size) lies inside the file; overflow-safe. */
static int in_file(const struct parse *p, uint64_t off, uint64_t size)
{
	return off <= p->len && size <= p->len - off;
}

/* Callers guarantee x <= GLINT_MEM_MAX_BYTES, so this cannot overflow. */
static uint64_t page_up(uint64_t x)
{
	return (x + PAGE_MASK) & ~PAGE_MASK;
}

static void read_phdr(const struct parse *p, unsigned i, Elf64_Phdr *ph)
{
	/* memcpy: the buffer has no alignment guarantee. */
	memcpy(ph, p->buf + p->eh.e_phoff + (uint64_t)i * sizeof(*ph),
	       sizeof(*ph));
}

static int check_ident(struct parse *p)
{
	const unsigned char *id = p->buf;

	if (p->len < SELFMAG || memcmp(id, ELFMAG, SELFMAG) != 0)
		return fail(p, "not an ELF file (bad magic number)");
	if (p->len < sizeof(Elf64_Ehdr))
		return fail(p,
			    "file is too short for an ELF header (%zu bytes)",
			    p->len);
	if (id[EI_CLASS] != ELFCLASS64)
		return fail(p, "not a 64-bit ELF file (class %u)",
			    id[EI_CLASS]);
	if (id[EI_DATA] != ELFDATA2LSB)
		return fail(p, "not a little-endian ELF file (encoding %u)",
			    id[EI_DATA]);
	if (id[EI_VERSION] != EV_CURRENT)
		return fail(p, "unsupported ELF version %u", id[EI_VERSION]);
	memcpy(&p->eh, p->buf, sizeof(p->eh));
	if (p->eh.e_version != EV_CURRENT)
		return fail(p, "unsupported ELF version %u", p->eh.e_version);
	return 0;
}

static int check_header(struct parse *p)
{
	const Elf64_Ehdr *eh = &p->eh;
	int rc = check_ident(p);

	if (rc)
		return rc;
	if (eh->e_machine != EM_X86_64)
		return fail(p, "not an x86-64 executable (machine %u)",
			    eh->e_machine);
	if (eh->e_type == ET_DYN)
		return fail(p,
			    "image is a shared object / position-independent "
			    "executable; build a static executable (-static "
			    "-no-pie)");
	if (eh->e_type == ET_REL)
		return fail(p, "image is a relocatable object, not a linked "
			       "executable");
	if (eh->e_type != ET_EXEC)
		return fail(p, "image is not an executable (ELF type %u)",
			    eh->e_type);
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return fail(p, "bad program header size %u (expected %zu)",
			    eh->e_phentsize, sizeof(Elf64_Phdr));
	if (eh->e_phnum == 0)
		return fail(p, "image has no program headers");
	if (!in_file(p, eh->e_phoff,
		     (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)))
		return fail(p,
			    "program header table (offset 0x%llx, %u entries) "
			    "is outside the file",
			    (unsigned long long)eh->e_phoff, eh->e_phnum);
	if (eh->e_phnum > IMAGE_MAX_PHDRS)
		return fail(p,
			    "image has %u program headers (at most %u are "
			    "allowed)",
			    eh->e_phnum, IMAGE_MAX_PHDRS);
	return 0;
}

/* Reads the glint ABI note from one PT_NOTE segment, if it holds one.
 * Returns 1 when found (version in *version), 0 when not, -EINVAL when the
 * note list is malformed. */
static int scan_notes(struct parse *p, unsigned idx, const Elf64_Phdr *ph,
		      uint32_t *version)
{
	/* Notes are 4-byte aligned, except in segments aligned to 8 (such as
	 * GNU property notes), whose entries are padded to 8. */
	uint64_t align = ph->p_align == 8 ? 8 : 4;
	uint64_t off = 0, end = ph->p_filesz;
	const uint8_t *base = p->buf + ph->p_offset;

	while (end - off >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		uint64_t name_off, desc_off, next;

		memcpy(&nh, base + off, sizeof(nh));
		name_off = off + sizeof(nh);
		desc_off = name_off +
			   (((uint64_t)nh.n_namesz + align - 1) & ~(align - 1));
		next = desc_off +
		       (((uint64_t)nh.n_descsz + align - 1) & ~(align - 1));
		if (desc_off > end || nh.n_descsz > end - desc_off)
			return fail(p,
				    "malformed note in segment %u (note at "
				    "offset 0x%llx runs past the segment)",
				    idx, (unsigned long long)off);
		if (nh.n_namesz == sizeof(GLINT_NOTE_NAME) &&
		    nh.n_type == GLINT_NOTE_TYPE_ABI &&
		    memcmp(base + name_off, GLINT_NOTE_NAME,
			   sizeof(GLINT_NOTE_NAME)) == 0) {
			if (nh.n_descsz != sizeof(uint32_t))
				return fail(p,
					    "glint ABI note has a %u-byte "
					    "descriptor (expected 4)",
					    nh.n_descsz);
			memcpy(version, base + desc_off, sizeof(*version));
			return 1;
		}
		/* The last note's padding may be missing. */
		off = next < end ? next : end;
	}
	return 0;
}

/* Notes are scanned until the ABI note is found, and at most
 * IMAGE_MAX_NOTE_BYTES of them in all: PT_NOTE headers may all describe
 * the same large range, and scanning it again for each would make the
 * work headers x bytes. */
static int check_abi_note(struct parse *p, uint32_t *version)
{
	uint64_t scanned = 0;
	unsigned i;
	int rc;

	for (i = 0; i < p->eh.e_phnum; i++) {
		Elf64_Phdr ph;

		read_phdr(p, i, &ph);
		if (ph.p_type != PT_NOTE)
			continue;
		if (!in_file(p, ph.p_offset, ph.p_filesz))
			return fail(p, "note segment %u is outside the file",
				    i);
		if (ph.p_filesz > IMAGE_MAX_NOTE_BYTES - scanned)
			return fail(p,
				    "note segments hold more than %u bytes "
				    "before the glint ABI note (segment %u)",
				    IMAGE_MAX_NOTE_BYTES, i);
		scanned += ph.p_filesz;
		rc = scan_notes(p, i, &ph, version);
		if (rc < 0)
			return rc;
		if (rc == 0)
			continue;
		if (*version != GLINT_ABI_VERSION)
			return fail(
				p,
				"image built for glint ABI %u; this glintd "
				"runs ABI %u: rebuild it against the "
				"current guest SDK (pkg-config glint-guest)",
				*version, GLINT_ABI_VERSION);
		return 0;
	}
	return fail(p, "no glint ABI note: build the image with the glint "
		       "guest SDK");
}

static int check_load(struct parse *p, unsigned i, const Elf64_Phdr *ph,
		      struct load *out)
{
	unsigned long long va = ph->p_vaddr;

	if (ph->p_filesz > ph->p_memsz)
		return fail(p,
			    "segment %u has more file bytes (0x%llx) than "
			    "memory bytes (0x%llx)",
			    i, (unsigned long long)ph->p_filesz,
			    (unsigned long long)ph->p_memsz);
	if (!in_file(p, ph->p_offset, ph->p_filesz))
		return fail(p,
			    "segment %u file range (offset 0x%llx, 0x%llx "
			    "bytes) is outside the file",
			    i, (unsigned long long)ph->p_offset,
			    (unsigned long long)ph->p_filesz);
	if (va & PAGE_MASK)
		return fail(p, "segment %u at 0x%llx is not page aligned", i,
			    va);
	/* A page-aligned segment must start on a page of the file too, so
	 * that its file bytes can be mapped page for page. */
	if (ph->p_filesz > 0 && (ph->p_offset & PAGE_MASK) != (va & PAGE_MASK))
		return fail(p,
			    "segment %u file offset 0x%llx is not congruent to "
			    "its address 0x%llx modulo the page size",
			    i, (unsigned long long)ph->p_offset, va);
	if (va < GLINT_IMAGE_BASE)
		return fail(p,
			    "segment %u at 0x%llx overlaps the reserved low "
			    "memory (page 0, call page, log); images start at "
			    "0x%llx",
			    i, va, GLINT_IMAGE_BASE);
	if (va >= GLINT_MEM_MAX_BYTES)
		return fail(p,
			    "segment %u at 0x%llx is outside any guest memory "
			    "(at most 0x%llx bytes)",
			    i, va, GLINT_MEM_MAX_BYTES);
	if (ph->p_memsz > GLINT_MEM_MAX_BYTES - va)
		return fail(p,
			    "image is larger than the maximum memory: segment "
			    "%u (0x%llx + 0x%llx bytes) ends beyond 0x%llx",
			    i, va, (unsigned long long)ph->p_memsz,
			    GLINT_MEM_MAX_BYTES);
	if ((ph->p_flags & PF_W) && (ph->p_flags & PF_X))
		return fail(p,
			    "segment %u at 0x%llx is writable and executable",
			    i, va);
	out->phdr_index = i;
	out->seg.gpa = va;
	out->seg.mem_bytes = ph->p_memsz;
	out->seg.file_bytes = ph->p_filesz;
	out->seg.file_offset = ph->p_offset;
	/* x86 paging cannot express write-only or execute-only pages. */
	out->seg.perm = IMAGE_PERM_R |
			((ph->p_flags & PF_W) ? IMAGE_PERM_W : 0) |
			((ph->p_flags & PF_X) ? IMAGE_PERM_X : 0);
	return 0;
}

/* Rejects what glint cannot run at all before looking at the layout, so a
 * foreign executable is told what is wrong with it, not with its segments. */
static int check_kind(struct parse *p)
{
	unsigned i;

	for (i = 0; i < p->eh.e_phnum; i++) {
		Elf64_Phdr ph;

		read_phdr(p, i, &ph);
		if (ph.p_type == PT_INTERP || ph.p_type == PT_DYNAMIC)
			return fail(p,
				    "image is dynamically linked (program "
				    "header %u); build it with -static",
				    i);
		if (ph.p_type == PT_TLS)
			return fail(p, "image uses thread-local storage "
				       "(PT_TLS), which glint does not "
				       "support");
	}
	return 0;
}

static int collect_loads(struct parse *p, struct load *loads, unsigned *n)
{
	unsigned i;
	int rc;

	*n = 0;
	for (i = 0; i < p->eh.e_phnum; i++) {
		Elf64_Phdr ph;

		read_phdr(p, i, &ph);
		/* An empty PT_LOAD maps nothing; linkers rarely emit one. */
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (*n == IMAGE_MAX_SEGMENTS)
			return fail(p,
				    "image has too many loadable segments "
				    "(at most %u)",
				    IMAGE_MAX_SEGMENTS);
		rc = check_load(p, i, &ph, &loads[*n]);
		if (rc)
			return rc;
		(*n)++;
	}
	if (*n == 0)
		return fail(p, "image has no loadable (PT_LOAD) segments");
	return 0;
}

/* Sorts by address and rejects segments sharing a page: permissions are set
 * per page, so two segments on one page would need two protections. */
static int check_layout(struct parse *p, struct load *loads, unsigned n)
{
	unsigned i, j;

	for (i = 1; i < n; i++) {
		struct load cur = loads[i];

		for (j = i; j > 0 && loads[j - 1].seg.gpa > cur.seg.gpa; j--)
			loads[j] = loads[j - 1];
		loads[j] = cur;
	}
	for (i = 1; i < n; i++) {
		const struct image_segment *a = &loads[i - 1].seg;
		const struct image_segment *b = &loads[i].seg;

		if (page_up(a->gpa + a->mem_bytes) > b->gpa)
			return fail(
				p,
				"segments %u (0x%llx-0x%llx) and %u "
				"(0x%llx-0x%llx) overlap once rounded to "
				"pages",
				loads[i - 1].phdr_index,
				(unsigned long long)a->gpa,
				(unsigned long long)(a->gpa + a->mem_bytes),
				loads[i].phdr_index, (unsigned long long)b->gpa,
				(unsigned long long)(b->gpa + b->mem_bytes));
	}
	return 0;
}

static int check_entry(struct parse *p, const struct load *loads, unsigned n)
{
	uint64_t entry = p->eh.e_entry;
	unsigned i;

	for (i = 0; i < n; i++) {
		const struct image_segment *s = &loads[i].seg;

		if (entry >= s->gpa && entry - s->gpa < s->mem_bytes) {
			if (s->perm & IMAGE_PERM_X)
				return 0;
			return fail(
				p,
				"entry point 0x%llx is in segment %u, which "
				"is not executable",
				(unsigned long long)entry, loads[i].phdr_index);
		}
	}
	return fail(p, "entry point 0x%llx is not inside any loadable segment",
		    (unsigned long long)entry);
}

int image_parse(const void *buf, size_t len, struct image *img, char *err,
		size_t err_len)
{
	struct parse p = {
		.buf = buf, .len = len, .err = err, .err_len = err_len};
	struct load loads[IMAGE_MAX_SEGMENTS];
	uint32_t version = 0;
	unsigned i, n = 0;
	int rc;

	memset(img, 0, sizeof(*img));
	if (err && err_len > 0)
		err[0] = '\0';
	if (!buf && len > 0)
		return fail(&p, "no image data");
	rc = check_header(&p);
	if (!rc)
		rc = check_kind(&p);
	if (!rc)
		rc = check_abi_note(&p, &version);
	if (!rc)
		rc = collect_loads(&p, loads, &n);
	if (!rc)
		rc = check_layout(&p, loads, n);
	if (!rc)
		rc = check_entry(&p, loads, n);
	if (rc)
		return rc;

	img->data = buf;
	img->len_bytes = len;
	img->entry_gpa = p.eh.e_entry;
	img->abi_version = version;
	img->nsegments = n;
	for (i = 0; i < n; i++)
		img->segments[i] = loads[i].seg;
	img->end_gpa =
		page_up(loads[n - 1].seg.gpa + loads[n - 1].seg.mem_bytes);
	return 0;
}

int image_load(const void *buf, size_t len, struct image *img, char *err,
	       size_t err_len)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	memset(img, 0, sizeof(*img));
	if (!copy) {
		if (err && err_len > 0)
			snprintf(err, err_len,
				 "out of memory copying the image");
		return -ENOMEM;
	}
	if (len)
		memcpy(copy, buf, len);
	rc = image_parse(copy, len, img, err, err_len);
	if (rc) {
		free(copy);
		return rc;
	}
	img->owned = copy;
	return 0;
}

static void say(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	if (!err || err_len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
}

/* Reads up to cap bytes; *got < cap means end of file was reached. */
static int read_all(int fd, uint8_t *buf, size_t cap, size_t *got)
{
	*got = 0;
	while (*got < cap) {
		ssize_t r = read(fd, buf + *got, cap - *got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	return 0;
}

static void say_too_large(char *err, size_t err_len, size_t max_bytes)
{
	if (max_bytes >= (1u << 20) && max_bytes % (1u << 20) == 0)
		say(err, err_len, "image file is larger than the %zu MiB limit",
		    max_bytes >> 20);
	else
		say(err, err_len,
		    "image file is larger than the %zu-byte limit", max_bytes);
}

int image_load_file(const char *path, size_t max_bytes, struct image *img,
		    char *err, size_t err_len)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0;
	int fd, rc;

	memset(img, 0, sizeof(*img));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		say(err, err_len, "cannot open %s: %s", path, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		say(err, err_len, "cannot stat %s: %s", path, strerror(-rc));
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		say(err, err_len, "%s is not a regular file", path);
		goto out_close;
	}
	if ((uint64_t)st.st_size > max_bytes) {
		rc = -EFBIG;
		say_too_large(err, err_len, max_bytes);
		goto out_close;
	}
	/* One byte more than the size, to notice a file that grew meanwhile. */
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		rc = -ENOMEM;
		say(err, err_len, "out of memory reading %s", path);
		goto out_close;
	}
	rc = read_all(fd, buf, (size_t)st.st_size + 1, &got);
	if (rc) {
		say(err, err_len, "cannot read %s: %s", path, strerror(-rc));
		goto out_free;
	}
	if (got != (size_t)st.st_size) {
		rc = -EAGAIN;
		say(err, err_len, "%s changed while it was being read", path);
		goto out_free;
	}
	rc = image_parse(buf, got, img, err, err_len);
	if (rc)
		goto out_free;
	img->owned = buf;
	close(fd);
	return 0;

out_free:
	free(buf);
out_close:
	close(fd);
	return rc;
}

void image_release(struct image *img)
{
	if (!img)
		return;
	free(img->owned);
	memset(img, 0, sizeof(*img));
}
