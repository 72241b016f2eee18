package publish

import (
	"container/list"
	"sync"

	"github.com/statgate/statgate/internal/pipeline"
)

// Cache keeps the rows of recently read or published partition versions.
// A version's content never changes, so a cached (table, date, version) is
// exactly what the database holds for it: the cache saves decoding the same
// windows again (an upcoming-context task reads thirty days of partitions)
// without ever serving a mix of versions. Rows handed out are shared and must
// not be modified. Safe for concurrent use.
type Cache struct {
	mu      sync.Mutex
	maxRows int
	rows    int
	lru     *list.List // of *cacheEntry, most recent first
	index   map[partKey]*list.Element
}

type cacheEntry struct {
	key     partKey
	version int
	rows    []pipeline.Row
}

// DefaultCacheRows is the cache size the engine runs with: a date's inputs
// with their thirty-day windows take about 10,000 rows, so this holds
// several dates' working sets with room for two workers, while a larger
// cache only keeps old dates alive for the collector to scan (on the
// bundled season's demo, 200,000 rows took the peak resident memory from
// 106 MB to 190 MB for no faster backfill).
const DefaultCacheRows = 40_000

// NewCache returns a cache holding at most maxRows rows in total.
func NewCache(maxRows int) *Cache {
	return &Cache{maxRows: maxRows, lru: list.New(), index: map[partKey]*list.Element{}}
}

// get returns the rows of (table, date) if the cached version is version.
func (c *Cache) get(k partKey, version int) ([]pipeline.Row, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.index[k]
	if !ok || el.Value.(*cacheEntry).version != version {
		return nil, false
	}
	c.lru.MoveToFront(el)
	return el.Value.(*cacheEntry).rows, true
}

// put records the rows of a version, replacing an older one.
func (c *Cache) put(k partKey, version int, rows []pipeline.Row) {
	if c == nil || len(rows) > c.maxRows {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.index[k]; ok {
		e := el.Value.(*cacheEntry)
		if e.version >= version {
			return
		}
		c.rows -= len(e.rows)
		c.lru.Remove(el)
	}
	c.index[k] = c.lru.PushFront(&cacheEntry{key: k, version: version, rows: rows})
	c.rows += len(rows)
	for c.rows > c.maxRows {
		el := c.lru.Back()
		e := el.Value.(*cacheEntry)
		c.lru.Remove(el)
		delete(c.index, e.key)
		c.rows -= len(e.rows)
	}
}
