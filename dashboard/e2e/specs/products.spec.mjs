// The catalogue the AI answers from, as an owner builds it: the empty state, create with
// validation, accent-insensitive search, edit, the active toggle, a CSV import with a bad line,
// English and the phone layout, and an agent who may only read.

/** @param {import('../run.mjs').T} t */
export default async function products(t) {
  const { newPage, apiCall, shot, login, motor } = t;
  const stamp = Date.now().toString(36);
  const owner = {
    name: 'Paula Dona',
    accountName: 'Loja Passo Certo',
    email: `paula.${stamp}@example.com`,
    password: 'senha-forte-1',
  };
  const agent = { name: 'Caio Atendente', email: `caio.${stamp}@example.com`, password: 'senha-forte-2' };
  const page = await newPage();
  const rowNames = async () =>
    (await page.locator('[data-testid=product-name]').allTextContents()).map((s) => s.trim());
  const waitNames = async (expected) => {
    for (let i = 0; i < 50; i++) {
      const names = await rowNames();
      if (JSON.stringify(names) === JSON.stringify(expected)) return;
      await page.waitForTimeout(100);
    }
    throw new Error(`rows are ${JSON.stringify(await rowNames())}, expected ${JSON.stringify(expected)}`);
  };

  await t.step('an empty catalogue explains what it is for', async () => {
    await t.signup(page, owner);
    await page.getByRole('link', { name: 'Produtos' }).first().click();
    await page.waitForURL('**/products');
    await page.getByTestId('products-empty').getByText('Seu catálogo está vazio').waitFor();
    await page
      .getByTestId('products-empty')
      .getByText(/a IA procura a resposta aqui/)
      .waitFor();
    await shot(page, 'products-empty');
  });

  await t.step('create: validation in pt-BR, then the product appears with its price', async () => {
    await page.getByRole('button', { name: 'Novo produto' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Preço').fill('12,3,4');
    await dialog.getByRole('button', { name: 'Criar produto' }).click();
    await dialog.getByText('Informe o nome do produto').waitFor();
    await dialog.getByText(/Preço inválido/).waitFor();
    await dialog.getByLabel('Nome').fill('Tênis de Corrida Ultra');
    await dialog
      .getByLabel('Descrição')
      .fill('Leve, com amortecimento para longas distâncias. Numeração 37 a 44.');
    await dialog.getByLabel('Preço').fill('1.299,90');
    await dialog.getByText('R$ 1.299,90').waitFor(); // the live preview under the field
    await dialog.getByLabel('SKU (código)').fill('TEN-001');
    await dialog.getByLabel('URL da imagem').fill(`${motor.url}/favicon.svg`);
    await dialog.locator('img').waitFor();
    await page.waitForFunction(() => document.querySelector('dialog img')?.complete);
    await shot(page, 'products-dialog');
    await dialog.getByRole('button', { name: 'Criar produto' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await waitNames(['Tênis de Corrida Ultra']);
    const price = (await page.getByTestId('product-price').first().textContent())
      ?.replace(/\s+/g, ' ')
      .trim();
    if (price !== 'R$ 1.299,90') throw new Error(`price shows "${price}"`);
  });

  await t.step('a duplicate SKU is refused on the SKU field', async () => {
    await page.getByRole('button', { name: 'Novo produto' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Nome').fill('Outro tênis');
    await dialog.getByLabel('SKU (código)').fill('TEN-001');
    await dialog.getByRole('button', { name: 'Criar produto' }).click();
    await dialog.getByText('Este SKU já é usado por outro produto').waitFor();
    await dialog.getByRole('button', { name: 'Cancelar' }).click();
    await dialog.waitFor({ state: 'hidden' });
  });

  await t.step('search is accent- and case-insensitive, by word prefix', async () => {
    const r = await apiCall(page, 'POST', '/api/products', {
      name: 'Camiseta Dry-Fit Azul',
      priceCents: 7990,
      sku: 'CAM-002',
    });
    if (r.status !== 201) throw new Error(`create: ${r.status}`);
    await page.reload();
    await waitNames(['Camiseta Dry-Fit Azul', 'Tênis de Corrida Ultra']);
    await page.getByTestId('products-search').fill('tenis');
    await waitNames(['Tênis de Corrida Ultra']);
    await page.getByTestId('products-search').fill('CAMI');
    await waitNames(['Camiseta Dry-Fit Azul']);
    await page.getByTestId('products-search').fill('chinelo');
    await page.getByText('Nenhum produto encontrado para "chinelo".').waitFor();
    await page.getByRole('button', { name: 'Limpar busca' }).click();
    await waitNames(['Camiseta Dry-Fit Azul', 'Tênis de Corrida Ultra']);
  });

  await t.step('edit a price', async () => {
    await page.getByRole('button', { name: 'Editar Tênis de Corrida Ultra' }).click();
    const dialog = page.getByRole('dialog');
    const field = dialog.getByLabel('Preço');
    if ((await field.inputValue()) !== '1.299,90')
      throw new Error(`price field shows ${await field.inputValue()}`);
    await field.fill('999');
    await dialog.getByRole('button', { name: 'Salvar' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page
      .locator('[data-testid=product-row][data-sku="TEN-001"] [data-testid=product-price]')
      .getByText('R$ 999,00')
      .waitFor();
  });

  await t.step('toggle a product inactive; the filter and the API agree', async () => {
    await page.getByRole('switch', { name: 'Ativo: Camiseta Dry-Fit Azul' }).click();
    await page.getByText('“Camiseta Dry-Fit Azul” desativado').waitFor();
    const list = await apiCall(page, 'GET', '/api/products?active=false');
    if (list.json.length !== 1 || list.json[0].sku !== 'CAM-002')
      throw new Error(`inactive: ${JSON.stringify(list.json)}`);
    await page.getByRole('button', { name: 'Inativos' }).click();
    await waitNames(['Camiseta Dry-Fit Azul']);
    await page.getByRole('button', { name: 'Todos' }).click();
    await waitNames(['Camiseta Dry-Fit Azul', 'Tênis de Corrida Ultra']);
  });

  await t.step('import a CSV with an error line: the good lines land, the bad one is reported', async () => {
    await page.getByRole('button', { name: 'Importar CSV' }).first().click();
    const dialog = page.getByRole('dialog');
    const template = await dialog.getByRole('link', { name: 'Baixar planilha modelo' }).getAttribute('href');
    if (!decodeURIComponent(template ?? '').includes('nome;descrição;preço')) throw new Error('no template');
    await shot(page, 'products-import-dialog');
    const csv = [
      'nome;preço;sku;descrição',
      'Boné Aba Reta;R$ 89,90;BON-01;"Ajustável; algodão"',
      'Meia Esportiva;abc;MEI-01;Kit com 3 pares',
      'Tênis de Corrida Ultra;1.099,00;TEN-001;',
      'Garrafa Térmica 750 ml;129,90;GAR-01;Mantém gelado por 24 h',
    ].join('\r\n');
    await dialog
      .getByTestId('import-file')
      .setInputFiles({ name: 'produtos.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await dialog.getByText('produtos.csv').waitFor();
    await dialog.getByRole('button', { name: 'Importar', exact: true }).click();
    const report = dialog.getByTestId('import-report');
    await report.waitFor();
    await report
      .locator('[data-testid=import-error][data-line="3"]')
      .getByText('Preço inválido: "abc"')
      .waitFor();
    const errors = await report.locator('[data-testid=import-error]').count();
    if (errors !== 1) throw new Error(`${errors} error lines`);
    const totals = (await report.locator('.totals').textContent())?.replace(/\s+/g, ' ');
    if (!/2 criados 1 atualizados 1 com erro/.test(totals ?? '')) throw new Error(`totals: ${totals}`);
    await shot(page, 'products-import-report');
    await dialog.getByRole('button', { name: 'Fechar' }).last().click();
    await waitNames([
      'Garrafa Térmica 750 ml',
      'Boné Aba Reta',
      'Camiseta Dry-Fit Azul',
      'Tênis de Corrida Ultra',
    ]); // file order, last line first
    await page
      .locator('[data-testid=product-row][data-sku="TEN-001"] [data-testid=product-price]')
      .getByText('R$ 1.099,00')
      .waitFor();
    await shot(page, 'products-desktop-pt');
  });

  await t.step('English and the phone layout', async () => {
    const phone = await newPage({ viewport: { width: 390, height: 844 } });
    await login(phone, owner);
    await phone.evaluate(() => localStorage.setItem('atende.locale', 'en'));
    await phone.goto('/products');
    await phone.getByRole('heading', { name: 'Products' }).waitFor();
    await phone.locator('[data-testid=product-row][data-sku="BON-01"]').getByText('R$89.90').waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 1) throw new Error(`the page scrolls sideways by ${overflow}px at 390 px`);
    await shot(phone, 'products-mobile-en');
    await phone.getByRole('button', { name: 'Boné Aba Reta' }).click(); // the name opens the editor on a phone
    await phone.getByRole('dialog').getByLabel('Price').fill('-1');
    await phone.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await phone
      .getByRole('dialog')
      .getByText(/Invalid price/)
      .waitFor();
    await shot(phone, 'products-mobile-dialog-en');
    await phone.context().close();
    const ptPhone = await newPage({ viewport: { width: 390, height: 844 } });
    await login(ptPhone, owner);
    await ptPhone.goto('/products');
    await ptPhone.locator('[data-testid=product-row]').first().waitFor();
    await shot(ptPhone, 'products-mobile-pt');
    await ptPhone.context().close();
    const desktopEn = await newPage();
    await login(desktopEn, owner);
    await desktopEn.evaluate(() => localStorage.setItem('atende.locale', 'en'));
    await desktopEn.goto('/products');
    await desktopEn.locator('[data-testid=product-row]').first().waitFor();
    await shot(desktopEn, 'products-desktop-en');
    await desktopEn.emulateMedia({ colorScheme: 'dark' });
    await desktopEn.waitForTimeout(400); // let the colour transitions finish
    await shot(desktopEn, 'products-desktop-en-dark');
    await desktopEn.context().close();
  });

  await t.step('an agent reads the catalogue but cannot change it', async () => {
    const r = await apiCall(page, 'POST', '/api/users', { ...agent, role: 'agent' });
    if (r.status !== 201) throw new Error(`invite: ${r.status} ${JSON.stringify(r.json)}`);
    const ag = await newPage();
    await login(ag, agent);
    await ag.goto('/products');
    await ag.getByText('Só proprietários e administradores podem alterá-lo').waitFor();
    await ag.locator('[data-testid=product-row]').nth(3).waitFor();
    if ((await ag.locator('[data-testid=product-row]').count()) !== 4)
      throw new Error('the agent does not see 4 products');
    for (const name of ['Novo produto', 'Importar CSV']) {
      if ((await ag.getByRole('button', { name }).count()) !== 0) throw new Error(`the agent sees "${name}"`);
    }
    if ((await ag.getByRole('switch').count()) !== 0) throw new Error('the agent sees toggles');
    const w = await apiCall(ag, 'POST', '/api/products', { name: 'x' });
    if (w.status !== 403) throw new Error(`agent write: ${w.status}`);
    await shot(ag, 'products-agent');
    await ag.context().close();
  });
}
